"""The widget's words come from bot/content/widget.yml, the same texts in every language."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from api.routes.widget import STATIC_DIR, load_asset
from bot.content.widget import WIDGET_FILE, parse_widget_strings, widget_strings
from bot.triage.models import LEVEL_NAMES


def _file() -> dict:
    return yaml.safe_load(WIDGET_FILE.read_text(encoding="utf-8"))


def test_every_language_has_a_headline_for_every_triage_level() -> None:
    for lang, words in widget_strings().items():
        assert tuple(words["levels"]) == LEVEL_NAMES, lang


def test_a_language_missing_a_text_is_refused() -> None:
    data = copy.deepcopy(_file())
    del data["languages"]["es"]["offline"]
    with pytest.raises(ValueError, match="'es' must have the same texts"):
        parse_widget_strings(data)


def test_a_language_dropping_the_emergency_number_is_refused() -> None:
    data = copy.deepcopy(_file())
    data["languages"]["es"]["failed"] = "Algo salió mal. Inténtelo de nuevo."
    with pytest.raises(ValueError, match="same placeholders"):
        parse_widget_strings(data)


def test_a_text_source_must_name_a_known_text_and_source() -> None:
    data = copy.deepcopy(_file())
    data["text_sources"]["offline"] = "folklore"
    with pytest.raises(ValueError, match="text_sources"):
        parse_widget_strings(data)


def test_served_widget_carries_the_words_of_the_content_file() -> None:
    load_asset.cache_clear()
    body = load_asset("widget.js", "text/javascript").body.decode()
    assert "/*WIDGET_STRINGS*/" not in body
    served = re.search(r"var STRINGS = (\{.*?\n\});", body, re.S)
    assert served and json.loads(served.group(1)) == widget_strings()


def test_widget_source_keeps_no_words_of_its_own() -> None:
    source = (STATIC_DIR / "widget.js").read_text()
    for words in widget_strings().values():
        for text in (words["offline"], words["summary"], words["levels"]["urgent"]):
            assert text not in source
