"""``{% nav_url "public:home" %}``: the URL of a fixed page (no arguments, or constant ones such as
``{% nav_url "public:language" "en" %}``), reversed once per process (per URLconf and script
prefix) instead of on every request. For the links every page carries in its header and footer;
``{% url %}`` costs some 30 µs a link, a tenth of the public lookup page's rendering
(``bench/bench_public.py``)."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=512)
def _reverse(name: str, args: tuple[str, ...], urlconf, prefix: str) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@register.simple_tag
def nav_url(name: str, *args: str) -> str:
    return _reverse(name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
