"""Template helpers of the e-supervision pages."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def rate_cell(row, kind: str) -> str:
    """An on-time rate as "87.5% (7/8)", with * when it rests on too few outcomes."""
    rate = row.clocks.get(kind)
    if rate is None or rate.total == 0:
        return "–"
    if rate.reliable:
        return format_html("{} <span class=\"meta\">({}/{})</span>", rate.percent(), rate.met, rate.total)
    return format_html(
        "{} <span class=\"meta\">({}/{})</span> <abbr title=\"{}\">*</abbr>",
        rate.percent(),
        rate.met,
        rate.total,
        _("Too few cases to compare by"),
    )
