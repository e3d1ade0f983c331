"""Template helpers of the applicant portal."""

from django import template

from licensing.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context) -> int:
    """The signed-in user's unread messages (one query, once per page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_xuke_unread"):
        request._xuke_unread = unread_count(user)
    return request._xuke_unread


@register.filter
def level_tag(level: str) -> str:
    """The CSS class of a warning level (law.md §4): yellow near the limit, red when overdue."""
    return {"red": "tag-red", "yellow": "tag-yellow"}.get(level, "tag-none")
