from __future__ import annotations

from django import template

from ..amounts import format_pence

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    """Integer pence as pounds: 1234 → "£12.34"; None → "—"."""
    if pence is None or pence == "":
        return "—"
    return format_pence(int(pence))
