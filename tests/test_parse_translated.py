"""The structure carries the parse: real captures translated with words no locale table knows.

Each vocabulary below is written here only (the first test proves no locale
file holds any of its words): a header word, loss and accuracy names (some of
several words), a validation prefix or suffix, a unit word, an ETA word, and a
colon (ASCII or full-width), in several scripts. The real Keras captures in
fixtures/keras are rewritten with them, with and without their newlines, and
must parse to the exact printed values with the names resolved by structure.
A second test drops a language's own table and still reads that language.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import keras_catalog as catalog
import numpy as np
import pytest
import seeds

from logsense.parse import locales
from logsense.parse.locales import LocaleTable, script_of, table
from logsense.parse.stream import LogStream

#: name -> (header, loss, accuracy, validation affix as "prefix" or "suffix" with its word, unit, ETA, colon)
VOCABULARIES = {
    "cyrillic": ("Цикл", "утрата", "меткость", ("prefix", "контрольная "), "итерация", "осталось", ":"),
    "han": ("训练轮", "误差值", "正确比例", ("prefix", "校验集"), "批", "剩余时长", "："),
    "devanagari": ("चक्र", "हानिमान", "सटीकता दर", ("prefix", "जाँच "), "कदमवार", "शेषकाल", ":"),
    "thai": ("รอบฝึกหัด", "ค่าผิดพลาดรวม", "อัตราถูกต้อง", ("suffix", " ชุดตรวจ"), "ขั้นย่อย", "เวลาเหลือ", ":"),
    "latin": ("Durchgangsrunde", "Fehlerbetrag", "Trefferanteil", ("suffix", " Prüfmenge"), "Schrittchen",
              "Restdauer", ":"),
    "greek_words": ("Γύροςμάθησης", "σφάλμαολικό", "ευστοχίαποσοστό", ("prefix", "έλεγχος_"), "βηματάκι",
                    "υπόλοιποχρόνου", "："),
    "georgian": ("სასწავლოციკლი", "დანაკარგიჯამი", "სიზუსტისწილი", ("prefix", "გადამოწმებისთვის "), "ნაბიჯი_", "დარჩენილი", ":"),
}
#: The scripts the vocabularies are written in: a detected locale must be of this script.
SCRIPTS = {"cyrillic": "Cyrl", "han": "Hani", "devanagari": "Deva", "thai": "Thai", "latin": "Latn",
           "greek_words": "Grek", "georgian": "Geor"}
#: Scenarios whose metrics are loss and accuracy (and the learning rate, left in English).
SCENARIOS = [f for f in catalog.scenario_dirs()
             if set().union(*catalog.histories(f / "history.json")) <= {"loss", "accuracy", "val_loss", "val_accuracy",
                                                                        "lr", "learning_rate"}]
CAPTURES = ["pasted.txt", "verbose2.txt", "pipe.txt"]


def _every_term() -> set[str]:
    terms: set[str] = set()
    for loc in table().locales:
        terms |= set(loc.keywords) | set(loc.metrics) | set(loc.val_prefixes)
    return {t.strip().lower() for t in terms}


def test_the_vocabularies_are_in_no_locale_file() -> None:
    known = _every_term()
    for name, (header, loss, acc, (_, affix), unit, eta, _) in VOCABULARIES.items():
        for word in (header, loss, acc, affix.strip(), unit, eta):
            assert word.lower() not in known, (name, word)


def translate(text: str, vocabulary: tuple) -> str:
    """``text`` as a translation site without tables for these words would print it."""
    header, loss, acc, (where, affix), unit, eta, colon = vocabulary
    names = {"loss": loss, "accuracy": acc}

    def metric(m: re.Match[str]) -> str:
        val, base = m.group(1), m.group(2)
        word = names[base]
        if val:
            word = affix + word if where == "prefix" else word + affix
        return f"{word}{colon}"

    text = re.sub(r"(?<![\w])Epoch(?= \d)", header, text)
    text = re.sub(r"(?<![\w])(val_)?(loss|accuracy):", metric, text)
    text = re.sub(r"(\d(?:us|ms|s))/step", rf"\1/{unit}", text)
    return text.replace("ETA: ", f"{eta}{colon} ")


def _printed(values: list[float], verbose: int) -> np.ndarray:
    return np.array([v if not math.isfinite(v) else catalog.as_printed(v, verbose) for v in values])


def _check(runs, histories, verbose: int, script: str) -> None:
    assert len(runs) == len(histories)
    for run, hist in zip(runs, histories):
        assert len(run.epoch_records) == len(hist["loss"])
        for metric, values in hist.items():
            np.testing.assert_array_equal(run.series(metric), _printed(values, verbose), err_msg=metric)
        locale = run.meta["locale"]
        assert locale == f"und-{script}" or {_script(loc) for loc in table().locales if loc.code == locale} == {script}
        assert "loss" in run.meta.get("inferred_names", {}) or "loss" in run.metrics


def _script(loc) -> str:
    return {"Hans": "Hani", "Hant": "Hani"}.get(loc.script, loc.script)


CASES = [(v, f, c) for v in VOCABULARIES for f in SCENARIOS for c in CAPTURES]


@pytest.mark.parametrize(("vocabulary", "folder", "capture"), CASES,
                         ids=[f"{v}-{catalog.case_id(f)}-{c}" for v, f, c in CASES])
def test_a_translated_capture_parses_to_its_printed_values(vocabulary: str, folder: Path, capture: str) -> None:
    text = translate((folder / capture).read_bytes().decode("utf-8"), VOCABULARIES[vocabulary])
    stream = LogStream()
    stream.feed(text)
    result = stream.finish()
    verbose = 2 if capture == "verbose2.txt" and folder.parent.name == "keras3" else 1
    _check(result.runs, catalog.histories(folder / catalog.CAPTURES[capture]), verbose, SCRIPTS[vocabulary])
    assert result.unparsed == []


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
@pytest.mark.parametrize("folder", [f for f in SCENARIOS if f.name in ("healthy", "overfitting", "unscaled")],
                         ids=catalog.case_id)
def test_a_translated_paste_without_newlines_parses(vocabulary: str, folder: Path) -> None:
    """A page that lost every newline, as seed 003's: one line per run, headers glued to the values."""
    text = translate((folder / "verbose2.txt").read_bytes().decode("utf-8"), VOCABULARIES[vocabulary])
    flat = re.sub(r"\s*\n\s*", " ", text)
    stream = LogStream()
    stream.feed(flat)
    result = stream.finish()
    verbose = 2 if folder.parent.name == "keras3" else 1
    _check(result.runs, catalog.histories(folder / "history.verbose2.json"), verbose, SCRIPTS[vocabulary])


def test_names_inferred_by_structure_say_so() -> None:
    folder = next(f for f in SCENARIOS if catalog.case_id(f) == "tfkeras/healthy")
    text = translate((folder / "verbose2.txt").read_text("utf-8"), VOCABULARIES["cyrillic"])
    stream = LogStream()
    stream.feed(text)
    (run,) = stream.finish().runs
    inferred = run.meta["inferred_names"]
    assert inferred["loss"]["printed"] == "утрата" and "first" in inferred["loss"]["reason"]
    assert inferred["val_loss"]["printed"] == "контрольная утрата"
    assert inferred["accuracy"]["printed"] == "меткость" and "[0, 1]" in inferred["accuracy"]["reason"]
    assert run.meta["locale"] == "und-Cyrl"


def _without(*codes: str) -> LocaleTable:
    return LocaleTable(tuple(loc for loc in table().locales if loc.code not in codes))


@pytest.mark.parametrize("prefix", ["003"])
def test_a_seed_parses_with_its_language_table_deleted(prefix: str) -> None:
    """Seed 003 is a Chinese page; without the zh tables its numbers still come out, the loss named
    by structure, the language by its script."""
    stream = LogStream(locales=_without("zh", "zh_TW", "ja"))
    stream.feed(seeds.path(prefix).read_text("utf-8"))
    runs = stream.finish().runs
    assert len(runs) == 2
    for index, run in enumerate(runs):
        assert run.series("loss").tolist() == seeds.series(prefix, index, "loss")
        assert run.meta["inferred_names"]["loss"]["printed"] == "损失"
        assert run.meta["locale"] == "und-Hani"


@pytest.mark.parametrize("code", ["ru", "de", "ja", "ko", "fr"])
def test_a_locale_s_rendered_log_parses_with_its_table_deleted(code: str) -> None:
    """A log rendered in a language (its table's own spellings), read back without that table."""
    from logsense.parse.render import render
    from logsense.parse.structured import run_from_history

    folder = next(f for f in SCENARIOS if catalog.case_id(f) == "tfkeras/healthy")
    (hist,) = catalog.histories(folder / "history.json")
    text = render(run_from_history({k: v for k, v in hist.items() if k != "lr"}), "tfkeras", 2, code)
    stream = LogStream(locales=_without(code))
    stream.feed(text)
    (run,) = stream.finish().runs
    for metric in ("loss", "val_loss"):
        np.testing.assert_array_equal(run.series(metric), _printed(hist[metric], 1), err_msg=metric)
    assert run.meta["locale"] != "en"
    loc = next(loc for loc in table().locales if loc.code == code)
    if run.meta["locale"].startswith("und-"):
        assert run.meta["locale"] == f"und-{_script(loc)}"
    else:
        assert run.meta["locale"] == code or code.startswith(run.meta["locale"])


def test_script_of_names_scripts() -> None:
    assert [script_of(ch) for ch in "aЖ中かᄀกअ"] == ["Latn", "Cyrl", "Hani", "Jpan", "Kore", "Thai", "Deva"]
    assert locales.detect_locale(["ค่าผิดพลาดรวม"], table()) == "th"
