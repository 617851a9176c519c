"""The metric registry: the one way an app tells the report engine what it can count.

A metric is a function of (region prefix, date from, date to) that counts or sums in the database and returns a
number or {"total": n, "by": {...}}. Keys and labels follow shared/METRICS.md. The engine composes metrics by
region and period and knows nothing about the apps' tables. `records` optionally returns the queryset behind the
figure, so every number can open its records.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

MetricValue = int | Decimal | dict


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    compute: Callable[[str, datetime.date, datetime.date], MetricValue]
    unit: str = ""
    area: str = ""
    records: Callable | None = None
    order: int = 0


_metrics: dict[str, Metric] = {}


def register(key: str, label: str, *, unit: str = "", area: str = "", records: Callable | None = None,
             order: int = 0):
    """Decorator: `@register("people.total", "人士库人数", unit="人")` over a compute function."""

    def decorator(func):
        _metrics[key] = Metric(key=key, label=label, compute=func, unit=unit, area=area or key.split(".")[0],
                               records=records, order=order)
        return func

    return decorator


def all_metrics() -> list[Metric]:
    return sorted(_metrics.values(), key=lambda m: (m.order, m.key))


def get(key: str) -> Metric:
    return _metrics[key]


def compute(prefix: str, date_from: datetime.date, date_to: datetime.date, keys: list[str] | None = None) -> dict:
    chosen = all_metrics() if keys is None else [get(k) for k in keys]
    return {m.key: to_json_number(m.compute(prefix, date_from, date_to)) for m in chosen}


def to_json_number(value):
    if isinstance(value, dict):
        return {k: to_json_number(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
