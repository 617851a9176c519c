"""`{{ amount|yuan }}`: money in 元 as 1,234,567.89 (thousands grouped, two decimals), whatever the locale."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):,.2f}"
