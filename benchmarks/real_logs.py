"""Parse yardstick: real public console logs (fixtures/real_logs) against what a careful reader sees.

For every log of every family (Keras in awkward shapes and in translation, Lightning, HF Trainer,
fastai, YOLO, plain loops) it checks the runs, the epochs per run and the first and last values of
the metrics the reader wrote down (canonical names, 1e-4 relative), and prints, per family and
split, logsense beside two baselines measured in the same run:

* do-nothing: no run at all (what a tool that refuses a log it does not know gives);
* a regex baseline of the kind one-regex-per-format tools use: ``name: value`` / ``name=value`` pairs
  on lines that start with an epoch counter, one run, one record per line.

    python benchmarks/real_logs.py [--split dev|heldout|all] [--family NAME] [--show-wrong]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import logsense

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "real_logs"
_PAIR = re.compile(r"([A-Za-z_][\w.]*)\s*[:=]\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|nan|inf)")
_EPOCH_LINE = re.compile(r"^\s*(?:\[?epoch\]?\s*[:=\[]?\s*)?(\d+)\s*(?:/\s*\d+)?\b", re.I)


def _close(a: Any, b: Any) -> bool:
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y or abs(x - y) <= 1e-4 * max(abs(x), abs(y))


#: Names a reader may write for one metric (the readers wrote ``accuracy`` for a printed ``acc``).
_ALIASES = {"accuracy": ("acc",), "val_accuracy": ("val_acc",)}


def _lookup(record: dict, metric: str, expected: dict) -> Any:
    """The record's value for a metric the reader named in their own words: their name, its
    aliases, or the name as printed (the reader's ``canonical`` map says which)."""
    printed = [p for p, c in expected.get("canonical", {}).items() if c == metric]
    for name in (metric, *_ALIASES.get(metric, ()), *printed):
        if name in record:
            return record[name]
    return None


def _values_right(runs: list[list[dict]], expected: dict) -> bool | None:
    checks = [(k, v, 0) for k, v in expected.get("first", {}).items()] + \
             [(k, v, -1) for k, v in expected.get("last", {}).items()]
    if not checks:
        return None
    if not runs or not runs[0]:
        return False
    first, last = runs[0], runs[-1]
    for metric, value, where in checks:
        records = first if where == 0 else last
        got = _lookup(records[where], metric, expected) if records else None
        if got is None or not _close(got, value):
            return False
    return True


def logsense_reading(path: Path) -> list[list[dict]]:
    log = logsense.parse(path)
    return [[{k: v for k, v in r.items()} for r in run.epoch_records] for run in log.runs]


def regex_reading(path: Path) -> list[list[dict]]:
    records = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not _EPOCH_LINE.match(line):
            continue
        pairs = {name: float(value) for name, value in _PAIR.findall(line)}
        if pairs:
            records.append(pairs)
    return [records] if records else []


SYSTEMS = {"logsense": logsense_reading, "do-nothing": lambda path: [], "regex": regex_reading}


def score(rows: list[dict]) -> dict[str, dict[str, dict[str, int]]]:
    """family -> system -> counts of logs, runs right, epochs right, values right (of those checkable)."""
    table: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    wrong: list[tuple[str, str]] = []
    for row in rows:
        path = ROOT / row["file"]
        for name, read in SYSTEMS.items():
            try:
                runs = read(path)
                error = ""
            except Exception as exc:  # noqa: BLE001 - a yardstick records a crash and goes on
                runs, error = [], f"{type(exc).__name__}: {exc}"
            counts = table[row["family"]][name]
            counts["logs"] += 1
            runs_right = len(runs) == row["runs"]
            epochs_right = runs_right and [len(r) for r in runs] == list(row["epochs"])
            values = _values_right(runs, row)
            counts["runs"] += runs_right
            counts["epochs"] += epochs_right
            if values is not None:
                counts["checkable"] += 1
                counts["values"] += bool(values)
            counts["crashed"] += bool(error)
            if name == "logsense" and not (runs_right and epochs_right and values is not False):
                wrong.append((row["id"], f"runs {len(runs)}/{row['runs']}, epochs {[len(r) for r in runs]}/"
                                         f"{row['epochs']}, values {values}{' ' + error if error else ''}"))
    table["_wrong"] = wrong  # type: ignore[assignment]
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["dev", "heldout", "all"], default="all")
    ap.add_argument("--family", default=None)
    ap.add_argument("--show-wrong", action="store_true")
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in (ROOT / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if (args.split == "all" or r["split"] == args.split)
            and (args.family is None or r["family"] == args.family)]
    t0 = time.perf_counter()
    table = score(rows)
    wrong = table.pop("_wrong")
    print(f"{len(rows)} real logs ({args.split}), {time.perf_counter() - t0:.1f} s\n")
    print(f"{'family':18}{'logs':>5}  " + "".join(f"{s + ' runs/epochs/values':>34}" for s in SYSTEMS))
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for family in sorted(table):
        cells = []
        for system in SYSTEMS:
            c = table[family][system]
            for k, v in c.items():
                totals[system][k] += v
            cells.append(f"{c['runs']:>3}/{c['epochs']:>3}/{c['values']:>3} of {c['logs']:>3}/{c['checkable']:>3}")
        print(f"{family:18}{table[family]['logsense']['logs']:>5}  " + "".join(f"{x:>34}" for x in cells))
    cells = [f"{t['runs']:>3}/{t['epochs']:>3}/{t['values']:>3} of {t['logs']:>3}/{t['checkable']:>3}"
             for t in (totals[s] for s in SYSTEMS)]
    print(f"{'all':18}{totals['logsense']['logs']:>5}  " + "".join(f"{x:>34}" for x in cells))
    crashed = totals["logsense"]["crashed"]
    print(f"\nlogsense crashed on {crashed} log(s); values are checked on logs whose reader wrote values down")
    if args.show_wrong:
        for ident, why in wrong:
            print(f"  {ident}: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
