from django import template

from ..forms import pounds

register = template.Library()


@register.filter
def gbp(pence: int | None) -> str:
    """Integer pence as pounds: 1250 → £12.50."""
    return pounds(int(pence or 0))
