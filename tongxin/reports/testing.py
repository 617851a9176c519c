"""Test helpers for the areas' metrics (imported by their tests only)."""

from __future__ import annotations


def check_hooks(key: str, prefixes, periods, *, whole: bool = True) -> int:
    """Assert that the by_region / by_month hooks of metric `key` give, for every child region of each prefix and
    every month of each period, what `compute` gives for that child or month — the whole value (`whole`, split
    included; a child missing from the grouped answer must have nothing) or only the headline number. Returns
    the sum of the headline numbers compared, so that a caller can assert the data had something to compare."""
    from tongxin.core.models import Region
    from tongxin.reports import engine, registry
    from tongxin.reports.registry import month_windows, to_json_number, total_of

    def shown(value):
        value = to_json_number(value)
        return value if whole else total_of(value)

    metric = registry.get(key)
    assert metric.by_region is not None and metric.by_month is not None, key
    compared = 0
    for prefix in prefixes:
        region = engine.whole_country() if prefix == "" else Region.objects.get(code=prefix)
        children = engine.children_of(region)
        assert children, prefix
        for date_from, date_to in periods:
            found = {}
            for length in {len(c.code) for c in children}:
                found.update(metric.by_region(prefix, date_from, date_to, length))
            for child in children:
                expected = to_json_number(metric.compute(child.code, date_from, date_to))
                if child.code in found:
                    got = shown(found[child.code])
                    assert got == shown(expected), (key, child.code, date_from, date_to, got, expected)
                else:
                    assert not total_of(expected), (key, child.code, date_from, date_to, expected)
                compared += total_of(expected)
            months = metric.by_month(prefix, date_from, date_to)
            labels = [label for label, _s, _e in month_windows(date_from, date_to)]
            if whole:
                assert list(months) == labels, (key, prefix, list(months))
            else:
                assert set(months) <= set(labels), (key, prefix, list(months))
            for label, start, end in month_windows(date_from, date_to):
                expected = to_json_number(metric.compute(prefix, start, end))
                got = shown(months.get(label, 0))
                assert got == shown(expected), (key, prefix, label, got, expected)
                compared += total_of(expected)
    return compared
