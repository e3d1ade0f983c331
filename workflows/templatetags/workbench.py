"""Template helpers of the officer workbench."""

from __future__ import annotations

from django import template

from workflows.selectors import application_dossier

register = template.Library()

LEVEL_STYLE = {
    "red": "background:#fde7e9;color:#8c1d18;border-left:4px solid #b3261e",
    "yellow": "background:#fff4d6;color:#5c4300;border-left:4px solid #c98b00",
    "none": "background:#eef6ee;color:#1e4620;border-left:4px solid #2e7d32",
}


@register.inclusion_tag("workflows/_dossier.html", takes_context=True)
def dossier(context, process):
    """Everything an officer needs about the application behind ``process`` (a task page's panel)."""
    application_id = getattr(process, "application_id", None)
    if application_id is None:
        licensing_process = getattr(process, "licensingprocess", None)
        application_id = getattr(licensing_process, "application_id", None)
    data = application_dossier(application_id) if application_id else {}
    return {**data, "request": context.get("request"), "level_style": LEVEL_STYLE}


@register.filter
def level_style(level: str) -> str:
    return LEVEL_STYLE.get(str(level), LEVEL_STYLE["none"])
