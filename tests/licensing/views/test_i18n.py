"""The interface in Simplified Chinese (简体中文): chosen by the browser (Accept-Language) or the
footer's language switch, on every public page for applications in every legal state; and the
catalogue itself — every message translated, its placeholders intact, the compiled file current."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from licensing.selectors_public import PUBLIC_STATUSES
from tests.transparency_data import build_public_world

CATALOGUE = Path(__file__).resolve().parents[3] / "locale" / "zh_Hans" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-zA-Z_]+\)[sdfr]|%[sdf]|\{\{\s*[a-zA-Z_.]+\s*\}\}|\{[a-zA-Z_]+\}|<[^>]+>")
CHINESE = "zh-hans"


def zh(message: str) -> str:
    with translation.override(CHINESE):
        return translation.gettext(message)


def po_entries() -> list[dict[str, str]]:
    """The catalogue's entries as {"msgid", "msgid_plural", "msgstr"} (the header left out)."""
    entries = []
    for block in (CATALOGUE / "django.po").read_text(encoding="utf-8").strip().split("\n\n")[1:]:
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = re.match(r'(msgid_plural|msgid|msgstr\[0\]|msgstr) (".*")$', line)
            if match:
                current = match.group(1).replace("[0]", "")
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        entries.append({k: "".join(ast.literal_eval(v) for v in values) for k, values in fields.items()})
    return entries


class TestCatalogue:
    def test_every_message_is_translated_with_its_placeholders(self):
        entries = po_entries()
        assert len(entries) > 1000
        untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
        assert not untranslated, untranslated[:5]
        broken = [
            e["msgid"]
            for e in entries
            if sorted(set(PLACEHOLDER.findall(e.get("msgid_plural") or e["msgid"])))
            != sorted(set(PLACEHOLDER.findall(e["msgstr"])))
        ]
        assert not broken, broken[:5]

    def test_the_compiled_catalogue_is_the_current_one(self, tmp_path):
        if shutil.which("msgfmt") is None:
            pytest.skip("msgfmt (gettext) is not installed: cannot recompile the catalogue to compare.")
        compiled = tmp_path / "django.mo"
        subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True)
        assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), "run `make messages`"


@pytest.mark.django_db
class TestChinesePages:
    @pytest.fixture(autouse=True)
    def _fresh_cache(self):
        cache.clear()
        yield
        cache.clear()

    def test_a_chinese_browser_gets_the_chinese_interface(self, client):
        page = client.get(reverse("public:home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
        assert '<html lang="zh-hans">' in page
        assert zh("Track an application") in page and zh("Track an application") != "Track an application"
        english = client.get(reverse("public:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="en">' in english and "Track an application" in english

    def test_the_footer_switch_changes_the_language_and_returns_to_the_page(self, client):
        register = reverse("public:register") + "?q=食品"
        page = client.get(register).content.decode()
        switch = reverse("public:language", args=[CHINESE])
        assert f'href="{switch}?next=/register/%3Fq%3D' in page
        response = client.get(switch, {"next": register})
        assert response.status_code == 302 and unquote(response["Location"]) == register
        assert zh("Register of licences") in client.get(register).content.decode()
        back = client.get(reverse("public:language", args=["en"]), {"next": register})
        assert "Register of licences" in client.get(back["Location"]).content.decode()

    def test_the_switch_refuses_unknown_languages_and_foreign_redirects(self, client):
        assert client.get(reverse("public:language", args=["fr"])).status_code == 404
        response = client.get(reverse("public:language", args=[CHINESE]), {"next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == "/"

    def test_every_public_page_renders_in_chinese_for_every_state(self, client):
        world = build_public_world()
        urls = [reverse("public:home"), reverse("public:lookup"), reverse("public:application_list"),
                reverse("public:register"), reverse("public:performance"), reverse("public:open_data"),
                reverse("public:item_list"), reverse("public:verify", args=[world.person_licence.verification_token]),
                reverse("public:verify", args=["forged-token-123"])]
        urls += [reverse("public:lookup_detail", args=[world.applications[s].number]) for s in PUBLIC_STATUSES]
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE)
            assert response.status_code == (404 if "forged" in url else 200), url
            text = response.content.decode()
            assert '<html lang="zh-hans">' in text, url
            assert zh("Track an application") in text, url
