from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def money(pence: int | None) -> str:
    """Integer pence as pounds: 1978316 → "£19,783.16"; None → "—"."""
    if pence is None or pence == "":
        return "—"
    pence = int(pence)
    sign = "−" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"
