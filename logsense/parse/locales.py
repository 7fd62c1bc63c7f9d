"""Translated Keras logs: the words translation put in a log, read back as data.

Translation sites rewrite what Keras printed (seed 003: ``大纪元1/10 ... 损失:257.6145``).
The grammar reads a log by its structure, so an unknown word never stops a
line; these tables only *name* what they know. Each language is one TOML file
in ``grammars/locales/`` (installed as the package ``logsense.grammars.locales``);
adding a language means adding a file, no code.

A file holds ``code``, ``name``, ``script`` (ISO 15924), optionally ``letters``
(characters that tell it from other languages of its script), ``val_prefixes``
(how the ``val_`` prefix is spelled), ``[keywords]`` (translated phrase -> the
English keyword: ``Epoch``, ``ETA:``, ``step``, ``early stopping``, ...) and
``[metrics]`` (translated metric name -> canonical metric name).

Lookups are dictionary reads: a header's words (`keyword`), a unit
(`unit`), a metric name (`metric`). Only a segment the grammar cannot read as
it stands (a translated callback message, a ``Train on`` line) has its known
phrases swapped back to English (`translate`), by one scan over its characters.
When no table knows a word, `detect_locale` names the language by its script.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from .cache import kept, shipped_folder

#: Characters that translation (or a terminal) swaps for ASCII punctuation.
_PUNCTUATION = str.maketrans({"：": ":", "，": ",", "／": "/", "\u00a0": " ", "\u3000": " "})

_SPACES = re.compile(r"  +")

#: What Keras prints after a time (``946us/step``, ``2s/epoch``).
UNITS = frozenset({"step", "sample", "epoch"})
#: The English keywords a header can start with.
HEADER_WORDS = frozenset({"Epoch"})
#: Keywords the grammar reads by their place, not their spelling (a header's words, an ETA's name,
#: a unit): the tables name them, for the language and for a header's confidence.
STRUCTURAL = HEADER_WORDS | UNITS | {"ETA:", "Batch"}
#: Scripts whose text has no spaces between words: a term may start anywhere.
_UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR")
#: Unicode name prefixes of letters -> ISO 15924 script codes, for `script_of`.
_SCRIPTS = (("LATIN", "Latn"), ("CYRILLIC", "Cyrl"), ("GREEK", "Grek"), ("ARABIC", "Arab"), ("HEBREW", "Hebr"),
            ("DEVANAGARI", "Deva"), ("BENGALI", "Beng"), ("TAMIL", "Taml"), ("TELUGU", "Telu"),
            ("GURMUKHI", "Guru"), ("GUJARATI", "Gujr"), ("KANNADA", "Knda"), ("MALAYALAM", "Mlym"),
            ("THAI", "Thai"), ("GEORGIAN", "Geor"), ("ARMENIAN", "Armn"), ("HANGUL", "Kore"),
            ("HIRAGANA", "Jpan"), ("KATAKANA", "Jpan"), ("CJK", "Hani"), ("ETHIOPIC", "Ethi"), ("KHMER", "Khmr"))


@dataclass(frozen=True)
class Locale:
    """One language's spellings."""

    code: str
    name: str
    keywords: dict[str, str]
    metrics: dict[str, str]
    val_prefixes: tuple[str, ...] = ()
    script: str = ""
    letters: str = ""


@dataclass
class LocaleTable:
    """All languages at once, indexed for per-segment use."""

    locales: tuple[Locale, ...]
    _owners: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    _canonical: dict[str, str] = field(init=False, repr=False)
    _by_first: dict[str, tuple[str, ...]] = field(init=False, repr=False)
    _units: dict[str, tuple[str, tuple[str, ...]]] = field(init=False, repr=False)
    _metrics: dict[str, tuple[str, tuple[str, ...]]] = field(init=False, repr=False)
    _prefixes: tuple[tuple[str, str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        owners: dict[str, list[str]] = {}
        canonical: dict[str, str] = {}
        units: dict[str, tuple[str, list[str]]] = {}
        metrics: dict[str, tuple[str, list[str]]] = {}
        for loc in self.locales:
            for term, english in loc.keywords.items():
                if english in UNITS:
                    units.setdefault(term, (english, []))[1].append(loc.code)
                else:
                    owners.setdefault(term, []).append(loc.code)
                    canonical.setdefault(term, english)
            for term, english in loc.metrics.items():
                metrics.setdefault(term, (english, []))[1].append(loc.code)
        self._owners = {t: tuple(c) for t, c in owners.items()}
        self._canonical = canonical
        self._units = {t: (e, tuple(c)) for t, (e, c) in units.items()}
        self._metrics = {t: (e, tuple(c)) for t, (e, c) in metrics.items()}
        first: dict[str, list[str]] = {}
        for term in canonical:
            first.setdefault(term[0], []).append(term)
        # Longest first, so "大纪元" wins over "纪元" at the same position.
        self._by_first = {ch: tuple(sorted(ts, key=len, reverse=True)) for ch, ts in first.items()}
        self._prefixes = tuple(sorted({(p, loc.code) for loc in self.locales for p in loc.val_prefixes
                                       if p != "val_"}, key=lambda pc: -len(pc[0])))

    # lookups -------------------------------------------------------------------------
    def keyword(self, words: str) -> tuple[str, tuple[str, ...]] | None:
        """The English keyword a phrase translates (``Эпоха`` -> ``Epoch``) and its locales; English
        keywords give themselves, unknown phrases None."""
        if words in HEADER_WORDS:
            return words, ()
        english = self._canonical.get(words)
        return (english, self._owners[words]) if english is not None else None

    def unit(self, word: str) -> tuple[str, tuple[str, ...]] | None:
        """The English unit (``step``) for a translated one (``Schritt``) and the locales that spell it so."""
        if word in UNITS:
            return word, ()
        return self._units.get(word)

    def metric(self, name: str) -> tuple[str, tuple[str, ...]]:
        """Canonical metric name for a printed one, and the locales whose spelling it was (the name
        itself and no locale when no table knows it)."""
        return _metric(self, name)

    # swapping ------------------------------------------------------------------------
    def translate(self, segment: str) -> tuple[str, tuple[str, ...]]:
        """Rewrite translated keywords to English; return the text and the locales seen.

        One scan: at each position where a term may start (a word boundary, or any
        character of a script written without spaces) the longest known term there
        is swapped. Cost is linear in the segment, whatever the number of locales.
        """
        text = segment.translate(_PUNCTUATION)
        by_first = self._by_first
        out: list[str] = []
        seen: list[str] = []
        i, n, last = 0, len(text), 0
        while i < n:
            terms = by_first.get(text[i])
            if terms and (i == 0 or _boundary(text[i - 1], text[i])):
                for term in terms:
                    end = i + len(term)
                    if text.startswith(term, i) and (end == n or _boundary(text[end - 1], text[end])):
                        out.append(text[last:i])
                        out.append(f" {self._canonical[term]} ")
                        seen.extend(self._owners[term])
                        i = last = end
                        break
                else:
                    i += 1
                continue
            i += 1
        if not seen:
            return text, ()
        out.append(text[last:])
        return _SPACES.sub(" ", "".join(out)).strip(), tuple(seen)

    def leads(self, segment: str) -> bool:
        """Whether ``segment`` starts with a phrase a table knows (a translated message may then follow)."""
        terms = self._by_first.get(segment[:1])
        return bool(terms) and any(segment.startswith(t) for t in terms)

    def __hash__(self) -> int:  # one table per process; identity is enough for caching
        return id(self)


def _boundary(before: str, after: str) -> bool:
    """Whether a term may begin (or end) between ``before`` and ``after``: not inside a word of a
    spaced script (``paso`` must not fire inside ``pasos``); anywhere in CJK, Thai and the like."""
    if not (before.isalnum() or before == "_") or not (after.isalnum() or after == "_"):
        return True
    return _unspaced(before) or _unspaced(after)


@lru_cache(maxsize=8192)
def _unspaced(ch: str) -> bool:
    return ord(ch) >= 0x0E00 and unicodedata.name(ch, "").startswith(_UNSPACED)


@lru_cache(maxsize=8192)
def _metric(table: LocaleTable, name: str) -> tuple[str, tuple[str, ...]]:
    name = " ".join(name.translate(_PUNCTUATION).split())
    found = table._metrics.get(name) or table._metrics.get(name.lower())
    if found is not None:
        return found
    for prefix, code in table._prefixes:
        rest = name[len(prefix):].strip()
        if name.startswith(prefix) and rest:
            inner = table._metrics.get(rest)
            if inner is not None:
                return "val_" + inner[0], (code,)
            if rest.isascii():  # `验证_loss`: a translated prefix on an English name
                return "val_" + rest, (code,)
    if name.startswith("val_") and name[4:] in table._metrics:
        english, codes = table._metrics[name[4:]]
        return "val_" + english, codes
    if name.isascii():
        return _english_spelling(name), ()
    return name, ()


#: Separators old Keras and pages put inside a name (``val. loss``, ``val _ loss``).
_NAME_SEPARATORS = re.compile(r"\s*\.\s+|\s+_\s*|\s*_\s+|\s+")


def _english_spelling(name: str) -> str:
    """An English metric name as Keras spells it: ``acc.`` -> ``acc``, ``val. loss`` -> ``val_loss``,
    ``ACC`` -> ``acc``; other names (a user's ``F1Score``) unchanged."""
    spelled = _NAME_SEPARATORS.sub("_", name.strip()).rstrip(".")
    lower = spelled.lower()
    base = lower[4:] if lower.startswith("val_") else lower
    if base in _ENGLISH_METRICS or "loss" in base or base.endswith(("acc", "accuracy")):
        return lower
    return name


#: English metric names whose spelling `_english_spelling` may normalise (case, separators).
_ENGLISH_METRICS = frozenset({"loss", "acc", "accuracy", "mse", "mae", "mape", "msle", "auc", "lr",
                              "learning_rate", "precision", "recall", "output"})


def script_of(ch: str) -> str | None:
    """The ISO 15924 script of a letter (``Latn``, ``Cyrl``, ``Hani``, ...), None for other characters.

    Example:
        >>> script_of("Э"), script_of("损"), script_of("ก"), script_of("1")
        ('Cyrl', 'Hani', 'Thai', None)
    """
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return next((code for prefix, code in _SCRIPTS if name.startswith(prefix)), None)


def detect_locale(words: Iterable[str], table: LocaleTable, votes: Counter | None = None,
                  seen: Iterable[str] = ()) -> str:
    """The language of a run's words: the tables' vote, else its script, else ``und`` (undetermined).

    A script one language writes alone (Hangul, Thai, Georgian, kana beside Han) names
    it; a script several languages share names it only by the letters a table lists as
    its own (``і``, ``ї``, ``є`` for Ukrainian); otherwise the answer is script level
    (``und-Cyrl``), never a guess at the language. A vote the text's own script
    contradicts (kana in a text whose kanji a Chinese table spells) is not taken:
    ``seen`` are the run's words the tables did know, for that check. Unknown words
    in the places English Keras prints fixed words (a header, a unit), all in
    ASCII, are some Latin-script language: ``und-Latn``.

    Example:
        >>> detect_locale(["Епоха", "губитак"], table())   # Bulgarian, Serbian, Ukrainian, ...: which?
        'und-Cyrl'
        >>> detect_locale(["Епоха", "втрати", "їх"], table())
        'uk'
    """
    words = list(words)
    if votes:
        best = votes.most_common(1)[0][0]
        if _agrees(best, [*words, *seen], table):
            return best
    letters = [ch for word in words for ch in word if ord(ch) > 0x7F and ch.isalpha()]
    if not letters:
        return "und-Latn" if any(w.isascii() and w for w in words) else "en"
    scripts = Counter(s for s in map(script_of, letters) if s)
    if not scripts:
        return "und"
    script = scripts.most_common(1)[0][0]
    if script == "Hani" and scripts.get("Jpan"):
        script = "Jpan"
    present = {ch.lower() for ch in letters}
    candidates = [loc for loc in table.locales if _script_family(loc.script) == script]
    if len(candidates) == 1 and script not in _SHARED_SCRIPTS:
        return candidates[0].code
    own = [loc for loc in candidates if loc.letters and present & set(loc.letters)]
    if own:
        best = max(own, key=lambda loc: len(present & set(loc.letters)))
        ties = [loc for loc in own if len(present & set(loc.letters)) == len(present & set(best.letters))]
        if len(ties) == 1 and script not in ("Hani", "Latn"):
            return best.code
    return f"und-{script}"


def _agrees(code: str, words: list[str], table: LocaleTable) -> bool:
    """Whether a voted locale fits the scripts of the run's words (kana rule out Chinese)."""
    scripts = {s for word in words for ch in word if ord(ch) > 0x7F and (s := script_of(ch))}
    if not scripts:
        return True
    loc = next((loc for loc in table.locales if loc.code == code), None)
    family = _script_family(loc.script) if loc is not None else ""
    if "Jpan" in scripts:
        return family == "Jpan"
    return not family or family in scripts or (family == "Jpan" and "Hani" in scripts)


#: Scripts several languages write: naming the language needs its own letters.
_SHARED_SCRIPTS = frozenset({"Latn", "Cyrl", "Arab", "Hani"})


def _script_family(code: str) -> str:
    return {"Hans": "Hani", "Hant": "Hani"}.get(code, code)


def load_locale(data: dict) -> Locale:
    """Build a `Locale` from one parsed TOML document."""
    return Locale(
        code=str(data["code"]),
        name=str(data.get("name", data["code"])),
        keywords={str(k): str(v) for k, v in data.get("keywords", {}).items()},
        metrics={str(k): str(v) for k, v in data.get("metrics", {}).items()},
        val_prefixes=tuple(str(p) for p in data.get("val_prefixes", ())),
        script=str(data.get("script", "")),
        letters=str(data.get("letters", "")),
    )


class _ShippedTable(LocaleTable):
    """The shipped tables, read on first need: an English log never waits for 42 TOML files.

    English keywords, units and plain metric names are answered without the files; any other
    lookup loads them once (about 60 ms) and indexes them as `LocaleTable` does.
    """

    def __init__(self) -> None:  # noqa: D107 - the fields are filled by `_ensure`
        self._loaded = False

    def _ensure(self) -> None:
        if not self._loaded:
            self.locales = tuple(sorted(shipped(), key=lambda loc: loc.code))
            self.__post_init__()
            self._loaded = True

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if name.startswith("__") or name == "_loaded":
            raise AttributeError(name)
        self._ensure()
        return object.__getattribute__(self, name)

    def keyword(self, words: str) -> tuple[str, tuple[str, ...]] | None:
        if words in HEADER_WORDS:
            return words, ()
        self._ensure()
        return super().keyword(words)

    def unit(self, word: str) -> tuple[str, tuple[str, ...]] | None:
        if word in UNITS:
            return word, ()
        self._ensure()
        return super().unit(word)

    def metric(self, name: str) -> tuple[str, tuple[str, ...]]:
        if name in _PLAIN_NAMES:
            return name, ()
        self._ensure()
        return super().metric(name)

    def __repr__(self) -> str:
        return f"LocaleTable({len(self.locales)} locales)" if self._loaded else "LocaleTable(shipped, not read yet)"

    __hash__ = LocaleTable.__hash__


#: Metric names as English Keras prints them, which no table translates.
_PLAIN_NAMES = frozenset(p + n for p in ("", "val_") for n in (
    "loss", "accuracy", "acc", "mse", "mae", "mape", "msle", "auc", "precision", "recall", "lr", "learning_rate",
    "output", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "mean_squared_error", "mean_absolute_error", "top_k_categorical_accuracy"))


@cache
def table() -> LocaleTable:
    """Every locale file shipped in ``logsense.grammars.locales``, sorted by code (read on first need)."""
    return _ShippedTable()


def shipped() -> list[Locale]:
    """The shipped files, parsed; kept in the user's cache while their bytes are unchanged."""
    folder = shipped_folder("logsense.grammars.locales")
    files = sorted((entry for entry in folder.iterdir() if entry.name.endswith(".toml")), key=lambda e: e.name)
    texts = [entry.read_bytes() for entry in files]
    return kept("locales", b"\0".join(texts), lambda: [load_locale(_toml(text)) for text in texts])


def _toml(text: bytes) -> dict[str, Any]:
    """One locale file read (tomllib is imported here: with the cache warm it is never needed)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(text.decode("utf-8"))
