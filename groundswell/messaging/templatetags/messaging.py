"""Template filters for messaging pages."""

from __future__ import annotations

from django import template

from groundswell.messaging.sending import merge_title as _merge_title

register = template.Library()


@register.filter
def merge_title(text: str) -> str:
    """Merge fields as readable placeholders ('Hello [first name]') wherever a message is listed."""
    return _merge_title(text or "")
