from __future__ import annotations

from django import template

from ..models import Method
from ..standing import Standing, pounds

register = template.Library()

LABELS = {
    "good": "In good standing",
    "arrears": "In arrears",
    "lapsed": "Lapsed",
    "never_paid": "Not paid yet",
    "resigned": "Resigned",
    "suspended": "Suspended",
}


@register.filter
def money(pence: int | None) -> str:
    return "—" if pence is None else pounds(int(pence))


@register.filter
def standing_label(standing: Standing) -> str:
    return LABELS.get(standing.status, standing.status)


@register.filter
def method_label(value: str) -> str:
    return Method(value).label if value in Method.values else value
