"""Translated Keras logs: map localised keywords and metric names back to English.

Translation sites rewrite what Keras printed (seed 003: ``大纪元1/10 ... 损失:257.6145``).
Each language is one TOML file in ``grammars/locales/`` (installed as the package
``logsense.grammars.locales``); adding a language means adding a file, no code.

A file holds ``code``, ``name``, ``val_prefixes`` (how the ``val_`` prefix is
spelled), ``[keywords]`` (translated phrase -> the English keyword the grammar
knows: ``Epoch``, ``ETA:``, ``step``, ``early stopping``, ...) and ``[metrics]``
(translated metric name -> canonical metric name). Keywords that translate a
unit (``"Schritt" = "step"``) are looked up where the grammar reads a unit,
all others are swapped in the text before parsing.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: Characters that translation (or a terminal) swaps for ASCII punctuation.
_PUNCTUATION = str.maketrans({"：": ":", "，": ",", "／": "/", "\u00a0": " ", "\u3000": " "})

_SPACES = re.compile(r"  +")

#: What Keras prints after a time (``946us/step``, ``2s/epoch``). Their translations
#: (``10ms/Schritt``) are read by the grammar where a unit stands (`LocaleTable.unit`),
#: never swapped in the text: a swap would have to run on every ASCII bar line.
UNITS = frozenset({"step", "sample", "epoch"})


@dataclass(frozen=True)
class Locale:
    """One language's spellings."""

    code: str
    name: str
    keywords: dict[str, str]
    metrics: dict[str, str]
    val_prefixes: tuple[str, ...] = ()


@dataclass
class LocaleTable:
    """All languages at once, compiled for per-segment use."""

    locales: tuple[Locale, ...]
    _owners: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    _canonical: dict[str, str] = field(init=False, repr=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False)
    _padded: set[str] = field(init=False, repr=False)
    _units: dict[str, tuple[str, tuple[str, ...]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        owners: dict[str, list[str]] = {}
        canonical: dict[str, str] = {}
        self._padded = set()
        units: dict[str, tuple[str, list[str]]] = {}
        for loc in self.locales:
            keywords = {t: e for t, e in loc.keywords.items() if e not in UNITS}
            for term, english in loc.keywords.items():
                if english in UNITS:
                    units.setdefault(term, (english, []))[1].append(loc.code)
            self._padded.update(keywords)
            # Metric names with spaces ("mất mát") cannot be a grammar NAME: swap them in the text.
            spaced = {t: e for t, e in loc.metrics.items() if " " in t}
            for term, english in {**keywords, **spaced}.items():
                owners.setdefault(term, []).append(loc.code)
                canonical[term] = english
        self._owners = {t: tuple(c) for t, c in owners.items()}
        self._units = {t: (e, tuple(c)) for t, (e, c) in units.items()}
        self._canonical = canonical
        # Longest first so "大纪元" wins over "纪元"; Latin-script words need word
        # boundaries ("paso" must not fire inside "pasos"), CJK has none.
        terms = sorted(canonical, key=len, reverse=True)
        self._pattern = re.compile("|".join(_bounded(t) for t in terms)) if terms else None

    def translate(self, segment: str) -> tuple[str, tuple[str, ...]]:
        """Rewrite translated keywords to English; return the text and the locales seen."""
        text = segment.translate(_PUNCTUATION)
        if self._pattern is None:
            return text, ()
        seen: list[str] = []

        def swap(m: re.Match[str]) -> str:
            term = m.group(0)
            seen.extend(self._owners[term])
            english = self._canonical[term]
            return f" {english} " if term in self._padded else english

        text = self._pattern.sub(swap, text)
        if seen:  # the padding put around swapped words must not double spaces
            text = _SPACES.sub(" ", text).strip()
        return text, tuple(seen)

    def unit(self, word: str) -> tuple[str, tuple[str, ...]] | None:
        """The English unit (``step``) for a translated one (``Schritt``) and the locales that spell it so."""
        if word in UNITS:
            return word, ()
        return self._units.get(word)

    def metric(self, name: str) -> tuple[str, tuple[str, ...]]:
        """Canonical metric name for a printed one, and the locales whose spelling it was."""
        return _metric(self, name)

    def __hash__(self) -> int:  # one table per process; identity is enough for caching
        return id(self)


@lru_cache(maxsize=4096)
def _metric(table: LocaleTable, name: str) -> tuple[str, tuple[str, ...]]:
    codes = tuple(loc.code for loc in table.locales if name in loc.metrics)
    if codes:
        loc = next(loc for loc in table.locales if loc.code == codes[0])
        return loc.metrics[name], codes
    for loc in table.locales:
        for prefix in loc.val_prefixes:
            rest = name[len(prefix):]
            if name.startswith(prefix) and rest in loc.metrics:
                return "val_" + loc.metrics[rest], (loc.code,)
    return name, ()


def _bounded(term: str) -> str:
    escaped = re.escape(term)
    # Not inside a word, but "val_" may precede a translated metric name.
    if term[0].isalpha() and ord(term[0]) < 0x2E80:
        escaped = r"(?<![^\W_])" + escaped
    if term[-1].isalpha() and ord(term[-1]) < 0x2E80:
        escaped += r"(?![^\W_])"
    return escaped


def load_locale(data: dict) -> Locale:
    """Build a `Locale` from one parsed TOML document."""
    return Locale(
        code=str(data["code"]),
        name=str(data.get("name", data["code"])),
        keywords={str(k): str(v) for k, v in data.get("keywords", {}).items()},
        metrics={str(k): str(v) for k, v in data.get("metrics", {}).items()},
        val_prefixes=tuple(str(p) for p in data.get("val_prefixes", ())),
    )


@cache
def table() -> LocaleTable:
    """Every locale file shipped in ``logsense.grammars.locales``, sorted by code."""
    folder = resources.files("logsense.grammars.locales")
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            found.append(load_locale(tomllib.loads(entry.read_text(encoding="utf-8"))))
    return LocaleTable(tuple(sorted(found, key=lambda loc: loc.code)))
