from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def timespan(start, end=None) -> str:
    """"2026年11月25日 09:00–18:00" within a day, "2026年11月25日 09:00 – 11月26日 12:00" across days."""
    if start is None:
        return ""
    start = timezone.localtime(start)
    text = date_format(start, "Y年n月j日 H:i")
    if end is None:
        return text
    end = timezone.localtime(end)
    if end.date() == start.date():
        return f"{text}–{date_format(end, 'H:i')}"
    return f"{text} – {date_format(end, 'n月j日 H:i' if end.year == start.year else 'Y年n月j日 H:i')}"
