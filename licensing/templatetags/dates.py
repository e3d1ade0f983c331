"""Dates as every page writes them: ISO 8601 (``2025-01-26``, ``2025-01-26 09:30``), the format
of the documents and of the API, in Beijing time for moments.

A builtin of the template engine (``config/settings.py``), so no ``{% load %}`` is needed. The
same output as ``|date:"Y-m-d"`` but without its per-call locale look-ups, which cost a tenth
of the public lookup page's rendering (``bench/bench_public.py``)."""

from __future__ import annotations

from django import template

register = template.Library()


def _format(value, pattern: str) -> str:
    try:
        return value.strftime(pattern)
    except AttributeError:  # None, "" or anything that is not a date: nothing, as |date does
        return ""


@register.filter(expects_localtime=True)
def ymd(value) -> str:
    """``2025-01-26``"""
    return _format(value, "%Y-%m-%d")


@register.filter(expects_localtime=True)
def ymd_hm(value) -> str:
    """``2025-01-26 09:30``"""
    return _format(value, "%Y-%m-%d %H:%M")


@register.filter(expects_localtime=True)
def ymd_hms(value) -> str:
    """``2025-01-26 09:30:05``"""
    return _format(value, "%Y-%m-%d %H:%M:%S")
