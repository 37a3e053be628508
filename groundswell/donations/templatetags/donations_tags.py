from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pence(value: int | None) -> str:
    """Integer pence as pounds: 123456 → £1,234.56."""
    if value is None or value == "":
        return "—"
    return f"£{int(value) / 100:,.2f}"
