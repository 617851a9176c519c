"""1,000 check-ins to one activity from parallel requests: 1,000 attendances, no duplicates, exact points.

On PostgreSQL (DATABASE_URL=postgres://…) the full count runs over real parallel connections; on SQLite, whose
writers take turns, a smaller count still checks that repeated scans cannot double an attendance or its points.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Count, Sum

from tongxin.activities import services
from tongxin.activities.models import Attendance, PointEntry
from tongxin.people.models import Person

from .conftest import TOWNSHIP_A, at

POINTS = 5


@pytest.mark.django_db(transaction=True)
def test_parallel_check_ins_record_each_person_once(make_activity, make_rule):
    postgres = connection.vendor == "postgresql"
    count = 1000 if postgres else 60
    workers = 16 if postgres else 4
    make_rule(points=POINTS)
    activity = make_activity("千人签到", starts=at(hours=-0.5))
    Person.objects.bulk_create([Person(name=f"签到{i}", region_id=TOWNSHIP_A, category="1") for i in range(count)])
    persons = list(Person.objects.filter(name__startswith="签到"))
    assert len(persons) == count
    outcomes = {"ok": 0, "dup": 0, "other": []}
    lock = threading.Lock()
    # SQLite's in-memory test database shares one cache between threads and answers "table is locked" instead of
    # waiting (the file database waits through busy_timeout): there the scans take turns.
    turns = threading.Lock() if not postgres else None

    def scan(person):
        try:
            if turns is not None:
                with turns:
                    services.check_in(activity, person, token=activity.checkin_token)
            else:
                services.check_in(activity, person, token=activity.checkin_token)
            with lock:
                outcomes["ok"] += 1
        except ValidationError as exc:
            with lock:
                if "已签到" in " ".join(exc.messages):
                    outcomes["dup"] += 1
                else:
                    outcomes["other"].append(exc.messages)
        except Exception as exc:  # noqa: BLE001 - a database error is a failure we want to see
            with lock:
                outcomes["other"].append(repr(exc))
        finally:
            connections.close_all()

    # Every person scans twice (a double tap, a second phone), all in parallel.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(scan, persons + persons[::-1]))

    assert outcomes["other"] == []
    assert outcomes["ok"] == count and outcomes["dup"] == count
    assert Attendance.objects.filter(activity=activity).count() == count
    assert not Attendance.objects.values("activity", "person").annotate(n=Count("id")).filter(n__gt=1).exists()
    entries = PointEntry.objects.filter(source_id__in=Attendance.objects.values("pk"))
    assert entries.count() == count
    assert entries.aggregate(s=Sum("points"))["s"] == count * POINTS
    for person in persons[:20]:
        assert services.points_balance(person) == POINTS
