"""Template helpers for role-dependent navigation (the views check permissions themselves)."""

from django import template

register = template.Library()


@register.filter
def has_role(user, role: str) -> bool:
    """``{% if user|has_role:"supervisor" %}``: whether an active user holds the role."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(role))
