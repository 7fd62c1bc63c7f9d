"""Replay benchmark: how long each cause's simulation takes on the seed numbers.

Each replay must stay well under a second so the page can re-run them when a
user edits the set-up. Prints the median of several repeats per replay and its
ratio to the detectors' time on the same log (measured in the same run, so the
ratio is comparable across machines).

    python benchmarks/replays.py [--repeats 7]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import seeds  # noqa: E402 - the seed posts and their truth (fixtures/seeds/truth.json): tests/seeds.py

import logsense  # noqa: E402
from logsense import detect  # noqa: E402
from logsense.causes import REGISTRY, LogCause  # noqa: E402
from logsense.causes.base import run_context  # noqa: E402
from logsense.log import Log  # noqa: E402


def _median_seconds(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    # Each seed as a user pastes it: its runs and the set-up read from its own text.
    logs: dict[str, Log] = {prefix: logsense.parse(seeds.path(prefix)) for prefix in seeds.PREFIXES}
    print(f"{'seed':5} {'run':>3} {'cause':22} {'median ms':>10} {'x detectors':>12}")
    worst = 0.0
    for name, log in sorted(logs.items()):
        rf = {r.index: detect.detect_run(r) for r in log.runs}
        lf = detect.detect_log(log, rf)
        base = _median_seconds(lambda: detect.detect_log(log, {r.index: detect.detect_run(r) for r in log.runs}),
                               args.repeats)
        every = [f for fs in rf.values() for f in fs] + lf
        for cls in REGISTRY:
            model = cls(log)
            targets = [(log, every, log.context)] if isinstance(model, LogCause) else [
                (r, rf[r.index] + [f for f in lf if r.index in f.runs], run_context(log, r)) for r in log.runs]
            for target, found, ctx in targets:
                if model.replay(target, found, ctx) is None:
                    continue
                t = _median_seconds(lambda: model.replay(target, found, ctx), args.repeats)
                worst = max(worst, t)
                where = getattr(target, "index", "-")
                print(f"{name:5} {where:>3} {cls.id:22} {1e3 * t:10.1f} {t / max(base, 1e-9):12.1f}")
    print(f"slowest replay: {1e3 * worst:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
