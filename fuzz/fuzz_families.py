"""Property fuzzing (hypothesis) of issue 16's families: huge integers, power towers, deep nesting,
bad structured files, legacy encodings and symlink trees for ``scan``.

Every property says: logsense answers (a result with warnings, or `UnusableInput` in one line),
within the work budget (no example may take longer than ``--deadline`` seconds: a hang is a
finding), and what it answers is right (the log's runs survive the hostile part; a scan lists
every regular file once and never a path through a cycle twice).

    python fuzz/fuzz_families.py --minutes 10            # all properties, the time split between them
    python fuzz/fuzz_families.py --minutes 2 --only scan

Not collected by pytest (tests/test_robustness.py holds the fixed cases); findings are printed
with their falsifying example and the script exits 1.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
import warnings
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
import families  # the builders beside this file

import logsense
from logsense.errors import UnusableInput
from logsense.scan import expand

warnings.simplefilter("ignore")
LOSSES = [2.0, 1.0, 0.6667]


def _answer(source):
    """Parse and diagnose; the only error allowed is UnusableInput with a one-line message."""
    try:
        log = logsense.parse(source)
    except UnusableInput as err:
        assert "\n" not in str(err), str(err)
        return None
    report = logsense.diagnose(log)
    report.to_text()
    report.to_dict()
    assert all(isinstance(w, str) and "\n" not in w for w in log.warnings), log.warnings
    return log


def _losses(log) -> list[list[float]]:
    return [run.series("loss").tolist() for run in log.runs if "loss" in run.metrics]


@given(digits=st.integers(1, 20_000), hexadecimal=st.booleans(), sign=st.sampled_from(["", "-", "+"]))
def huge_integers(digits: int, hexadecimal: bool, sign: str) -> None:
    log = _answer(families.huge_integer_code(digits, hexadecimal, sign))
    assert _losses(log) == [LOSSES]
    assert log.context.get("lr") == 0.01  # the statements after the huge one are read


@given(base=st.integers(-1000, 10 ** 6), exponent=st.integers(-70, 5000), storeys=st.integers(1, 6),
       style=st.integers(0, 2))
def power_towers(base: int, exponent: int, storeys: int, style: int) -> None:
    log = _answer(families.power_tower_code(base, exponent, storeys, style))
    assert _losses(log) == [LOSSES]
    assert log.context.get("lr") == 0.001


@given(depth=st.integers(1, 20_000), kind=st.integers(0, 2), with_log=st.booleans())
def deep_nesting(depth: int, kind: int, with_log: bool) -> None:
    log = _answer(families.deep_json(depth, kind, with_log))
    if with_log:
        assert _losses(log) == [LOSSES]


@given(digits=st.integers(1, 12_000), position=st.integers(0, 3), negative=st.booleans())
def huge_histories(digits: int, position: int, negative: bool) -> None:
    log = _answer(families.huge_history(digits, position, negative))
    (run,) = log.runs
    assert len(run.series("loss")) == 4 and run.series("val_loss").tolist() == [2.0, 1.0, 0.5, 0.25]


@given(rows=st.integers(2, 40), data=st.data())
def bad_csv_rows(rows: int, data) -> None:
    bad = data.draw(st.lists(st.integers(0, rows - 1), max_size=rows, unique=True))
    log = _answer(families.bad_csv(rows, bad))
    good = rows - len(bad)
    if good > len(bad):
        assert sum(len(r.epoch_records) for r in log.runs) == good
        if bad:
            assert any("CSV" in w for w in log.warnings)


@given(extra=st.dictionaries(st.text(min_size=1, max_size=8).filter(lambda k: k not in ("loss", "val_loss", "epoch",
                                                                                         "history")),
                             st.one_of(st.floats(allow_nan=False), st.text(max_size=5), st.none(),
                                       st.lists(st.text(max_size=3), min_size=1, max_size=3),
                                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
                             max_size=4))
def history_extras(extra: dict) -> None:
    log = _answer(families.history_with_extras(extra))
    assert _losses(log)[0] == [1.0, 0.5, 0.25]


@given(language=st.sampled_from(sorted(families.LANGUAGES)), epochs=st.integers(1, 6), words=st.integers(0, 5),
       data=st.data())
def encodings(language: str, epochs: int, words: int, data) -> None:
    text = families.translated_log(language, epochs, words)
    encoding = data.draw(st.sampled_from(families.LANGUAGES[language][4]))
    expected = logsense.parse(text)
    log = _answer(text.encode(encoding))
    assert [r.epoch_records for r in log.runs] == [r.epoch_records for r in expected.runs], log.encoding


@given(shape=st.lists(st.integers(0, 200), max_size=40), pattern=st.sampled_from(["**/*", "**/*.log", "*/*", "**"]))
def scan_trees(shape: list[int], pattern: str) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("FUZZ_TMP")) as tmp:
        root = Path(tmp)
        families.symlink_tree(root, shape)
        found = expand([str(root / pattern)]) + expand([str(root)])
        assert all(os.path.isfile(f) for f in found)
        real = {str(Path(d) / f) for d, _, fs in os.walk(root) for f in fs if os.path.isfile(Path(d) / f)
                and not os.path.islink(Path(d) / f)}
        everything = set(expand([str(root)]))
        assert real <= everything, real - everything  # every real file is found without following links
        assert len(everything) == len(set(everything))


PROPERTIES = {"integers": huge_integers, "powers": power_towers, "nesting": deep_nesting,
              "histories": huge_histories, "csv": bad_csv_rows, "extras": history_extras,
              "encodings": encodings, "scan": scan_trees}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=1.0, help="total time, split evenly between the properties")
    ap.add_argument("--only", nargs="*", choices=sorted(PROPERTIES), default=None)
    ap.add_argument("--deadline", type=float, default=20.0, help="seconds one example may take (a hang past it fails)")
    args = ap.parse_args()
    chosen = {k: PROPERTIES[k] for k in (args.only or PROPERTIES)}
    share = args.minutes * 60 / len(chosen)
    _answer(families.console_log())  # imports, grammars and locale tables: not an example's time
    failed = 0
    for name, prop in chosen.items():
        start, examples, rounds, found = time.monotonic(), 0, 0, False
        runner = settings(max_examples=25, deadline=timedelta(seconds=args.deadline), database=None,
                          suppress_health_check=list(HealthCheck), derandomize=False)(prop)
        while time.monotonic() - start < share:  # each call draws 25 new examples
            rounds += 1
            try:
                runner()
            except Exception:  # noqa: BLE001 - a finding: print it, go on with the next property
                failed += 1
                found = True
                print(f"FINDING in {name}:\n{traceback.format_exc()}", flush=True)
                break
            examples += 25
        print(f"{name:<10} {examples:>6} examples in {time.monotonic() - start:6.1f} s "
              f"({'finding' if found else 'clean'})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
