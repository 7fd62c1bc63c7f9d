"""Diagnosis time against parse time on a log of many runs (issue 16: diagnose <= 1.5x parse).

The log is tests/e2e/biglog.py's: the real Keras captures concatenated with each copy's values
scaled (a sweep's or a nightly job's pile of runs). Prints the median of ``--repeat`` parses and
diagnoses of the same text, their ratio, and peak RSS.

    python benchmarks/diagnose_scale.py [--mb 1] [--repeat 3]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import logsense

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
import biglog  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.log"
        size = biglog.build(path, args.mb)
        parses, diagnoses, runs = [], [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            log = logsense.parse(path)
            parses.append(time.perf_counter() - start)
            start = time.perf_counter()
            logsense.diagnose(log)
            diagnoses.append(time.perf_counter() - start)
            runs = len(log.runs)
    p, d = statistics.median(parses), statistics.median(diagnoses)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{size / 1e6:.1f} MB, {runs} runs: parse {p:.2f} s, diagnose {d:.2f} s, diagnose/parse {d / p:.2f} "
          f"(target <= 1.5), peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
