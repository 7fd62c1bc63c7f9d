"""Diagnosis time against parse time on logs of many runs (issue 16: diagnose <= 1.5x parse).

Two kinds of file, both piles of runs as a sweep or a nightly job leaves them:

* ``biglog``: tests/e2e/biglog.py's real Keras captures concatenated, each copy's values
  scaled (``--mb`` sizes, e.g. 1 5 20 31);
* ``tiny``: ``--tiny`` runs of three verbose-2 epochs each (``Epoch 1/3`` then one line), the
  shape that makes per-run costs dominate.

Each file is parsed and diagnosed ``--repeat`` times in turn in this process; the medians, their
ratio and the peak RSS so far are printed per file. The parse is the baseline: the issue asks
that diagnosis cost no more than half again what reading the log costs.

    python benchmarks/diagnose_scale.py [--mb 1 5] [--tiny 10000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import logsense

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
import biglog  # noqa: E402

TARGET = 1.5


def tiny_runs(path: Path, runs: int, seed: int = 0) -> int:
    """Write ``runs`` three-epoch runs (verbose 2, varied values); the bytes written."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for _ in range(runs):
            loss, acc = rng.uniform(0.3, 2.5), rng.uniform(0.1, 0.9)
            for epoch in (1, 2, 3):
                loss *= rng.uniform(0.6, 1.1)
                acc = min(0.999, acc * rng.uniform(0.95, 1.2))
                out.write(f"Epoch {epoch}/3\n32/32 - 0s - loss: {loss:.4f} - accuracy: {acc:.4f} - "
                          f"val_loss: {loss * rng.uniform(0.9, 1.3):.4f} - val_accuracy: {acc * 0.97:.4f}\n")
    return path.stat().st_size


def measure(path: Path, repeat: int) -> tuple[int, float, float]:
    """Runs, median parse seconds, median diagnose seconds."""
    parses, diagnoses, runs = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        log = logsense.parse(path)
        parses.append(time.perf_counter() - start)
        start = time.perf_counter()
        logsense.diagnose(log)
        diagnoses.append(time.perf_counter() - start)
        runs = len(log.runs)
        del log
    return runs, statistics.median(parses), statistics.median(diagnoses)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, nargs="*", default=[1.0], help="biglog sizes in MB")
    ap.add_argument("--tiny", type=int, nargs="*", default=[10_000], help="numbers of three-epoch runs")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"{'file':<22} {'MB':>6} {'runs':>7} {'parse s':>8} {'diagnose s':>10} {'ratio':>6}  peak RSS")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for mb in args.mb:
            path = Path(tmp) / f"biglog-{mb:g}MB.log"
            files.append((f"biglog {mb:g} MB", path, biglog.build(path, mb)))
        for n in args.tiny:
            path = Path(tmp) / f"tiny-{n}.log"
            files.append((f"tiny {n} runs", path, tiny_runs(path, n)))
        for name, path, size in files:
            runs, p, d = measure(path, args.repeat)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            flag = "" if d / p <= TARGET else f"  (above {TARGET})"
            print(f"{name:<22} {size / 1e6:6.1f} {runs:7d} {p:8.2f} {d:10.2f} {d / p:6.2f}  {peak:.0f} MB{flag}",
                  flush=True)


if __name__ == "__main__":
    main()
