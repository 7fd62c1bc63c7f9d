"""Context-reader speed on ~1 MB posts, against a baseline measured in the same run.

Baseline: one ``ast.parse`` of the same text's code (what any AST reader pays at
least) or, for texts with no code, one ``str.splitlines`` plus one regex pass.
Prints the median of several repeats and the ratio to the baseline. The goal:
a 1 MB post, whatever it holds, in well under two seconds.

    python benchmarks/context.py            # 5 repeats
    python benchmarks/context.py --repeats 11
"""
from __future__ import annotations

import argparse
import ast
import re
import statistics
import time
from pathlib import Path

from logsense.context import extract_context

SEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "seeds"
SIZE = 1_000_000


def _repeat(text: str) -> str:
    return (text * (SIZE // max(len(text), 1) + 1))[:SIZE]


def cases() -> dict[str, tuple[str, str | None]]:
    """name -> (text, pure code for the ast baseline or None)."""
    seeds = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    code = "\n".join(f"x{i} = np.arange({i % 50})\nmodel.add(Dense({i % 100 + 1}, activation='relu'))"
                     for i in range(SIZE // 80))
    broken = "\n".join(f"model.add(Dense({i}, activation='relu')\nfoo bar baz ( qux" for i in range(SIZE // 60))
    log = "\n".join(f"Epoch {i}/100\n1875/1875 [==============================] - 2s 946us/step - loss: 0.3"
                    for i in range(SIZE // 90))
    loops = "for a in range(16):\n    for b in range(16):\n        for c in range(16):\n            x = a + b\n"
    prose = ("The learning rate is 0.01 and I use SGD(lr=0.1) with f(x) and g(y) here. " * 14 + "\n")
    return {
        "seeds repeated": (_repeat(seeds), None),
        "pure code": (code, code),
        "unclosed calls + prose": (_repeat(broken), None),
        "console log": (_repeat(log), None),
        "prose with calls": (_repeat(prose), None),
        "stray braces": ("{" * SIZE, None),
        "runaway loops": (_repeat(loops + "I changed the learning rate to 0.1 and\n"), None),
    }


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    word = re.compile(r"learning|batch|keras")
    print(f"{'case':26s} {'chars':>9s} {'context s':>10s} {'baseline s':>11s} {'ratio':>7s}  baseline")
    for name, (text, code) in cases().items():
        ours = _median(lambda: extract_context(text), args.repeats)
        if code is not None:
            base = _median(lambda: ast.parse(code), args.repeats)
            label = "ast.parse of the code"
        else:
            base = _median(lambda: [word.search(line) for line in text.splitlines()], args.repeats)
            label = "splitlines + one regex"
        print(f"{name:26s} {len(text):9d} {ours:10.3f} {base:11.3f} {ours / base:7.1f}  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
