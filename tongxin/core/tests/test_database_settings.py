"""The platform's PostgreSQL sessions plan for data on SSD and in memory (settings.py, TONGXIN_PG_RANDOM_PAGE_COST)."""

import os
import subprocess
import sys

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_sessions_use_the_platforms_random_page_cost():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == 1.1


def _settings_with(value: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "TONGXIN_PG_RANDOM_PAGE_COST": value}
    code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    return subprocess.run([sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = "
                           f"'tongxin.settings'; {code}"], env=env, capture_output=True, text=True, check=False)


def test_the_setting_can_be_changed_turned_off_and_must_be_a_number():
    assert _settings_with("2").stdout.strip() == "-c random_page_cost=2.0"
    assert _settings_with("").stdout.strip() == ""
    refused = _settings_with("fast")
    assert refused.returncode != 0
    assert "TONGXIN_PG_RANDOM_PAGE_COST 应为数字" in refused.stderr
