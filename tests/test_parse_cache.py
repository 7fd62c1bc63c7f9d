"""The LALR tables kept in the user's cache give the same parser as tables built afresh.

A cold start reads keras.lark's tables from ``cache_dir()`` instead of rebuilding them; these
tests hold the cached parser to the fresh one on the seeds' lines, and the cache directory to the
rules that keep a pickle safe to load (private, owned by the user, rebuilt when corrupt).
"""
from __future__ import annotations

import os
from importlib import resources

import pytest
from lark import Lark
from lark.exceptions import LarkError
from seeds import SEEDS

from logsense.parse.cache import cache_dir
from logsense.parse.records import Records, grammar_parser

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def _records(parser: Lark, lines: list[str]) -> list[object]:
    out: list[object] = []
    for line in lines:
        try:
            out.append(parser.parse(line))
        except (LarkError, ValueError) as exc:
            out.append(type(exc).__name__)
    return out


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LOGSENSE_CACHE_DIR", str(folder))
    return folder


def test_a_parser_loaded_from_the_cache_parses_the_seeds_as_a_fresh_one(private_cache):
    lines = [line for text in SEED_TEXTS for line in text.splitlines() if line.strip()]
    first = grammar_parser("keras", Records())  # builds the tables and writes them
    written = list(private_cache.glob("keras-*.pickle"))
    assert len(written) == 1
    loaded = grammar_parser("keras", Records())  # reads them back
    source = (resources.files("logsense.grammars") / "keras.lark").read_text(encoding="utf-8")
    fresh = Lark(source, parser="lalr", lexer="contextual", transformer=Records(), maybe_placeholders=True)
    want = _records(fresh, lines)
    assert any(not isinstance(r, str) for r in want)  # the seeds hold Keras lines
    assert _records(first, lines) == want
    assert _records(loaded, lines) == want


def test_a_corrupt_cache_file_is_rebuilt(private_cache):
    grammar_parser("keras", Records())
    (path,) = private_cache.glob("keras-*.pickle")
    path.write_bytes(b"not a pickle")
    parser = grammar_parser("keras", Records())
    assert parser.parse("Epoch 3/10")[0] == "header"


def test_an_empty_setting_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("LOGSENSE_CACHE_DIR", "")
    assert cache_dir() is None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_directory_others_can_write_is_not_used(private_cache):
    private_cache.mkdir(mode=0o700)
    os.chmod(private_cache, 0o777)
    assert cache_dir() is None
    os.chmod(private_cache, 0o700)
    assert cache_dir() == private_cache


def test_an_unwritable_location_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LOGSENSE_CACHE_DIR", str(blocker / "cache"))  # a path under a regular file
    assert cache_dir() is None
    assert grammar_parser("keras", Records()).parse("Epoch 1/2")[0] == "header"


def test_locale_tables_read_from_the_cache_equal_the_parsed_files(private_cache):
    from logsense.parse import locales

    fresh = locales.shipped()  # parses the TOML files and writes the cache
    assert len(list(private_cache.glob("locales-*.pickle"))) == 1
    again = locales.shipped()  # reads the cache
    assert again == fresh
    assert {loc.code for loc in fresh} >= {"zh", "ja", "ru", "ko"}


def test_kept_rebuilds_when_the_source_changes(private_cache):
    from logsense.parse.cache import kept

    calls: list[bytes] = []

    def build(source: bytes):
        calls.append(source)
        return source.upper()

    assert kept("thing", b"a", lambda: build(b"a")) == b"A"
    assert kept("thing", b"a", lambda: build(b"a")) == b"A"
    assert kept("thing", b"b", lambda: build(b"b")) == b"B"
    assert calls == [b"a", b"b"]
