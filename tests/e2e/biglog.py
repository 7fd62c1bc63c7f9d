"""A big real-looking log: the real Keras captures (fixtures/keras) concatenated many times over.

Each copy has its metric values scaled by its own factor (so no two runs print the same
numbers), the way a long sweep or a nightly job's log piles up. Used by the browser test
(a 20 MB upload) and to time the page on a 31 MB log (``python tests/e2e/biglog.py OUT MB``).
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ("pipe.txt", "verbose2.txt")
_VALUE = re.compile(rb"(: )(\d+\.\d{4})")


def captures() -> list[bytes]:
    """The real captures' bytes, the long-epoch ones left out (they are a few epochs of 30 kB lines)."""
    out = []
    for name in CAPTURES:
        for path in sorted((ROOT / "fixtures" / "keras").glob(f"*/*/{name}")):
            if path.parent.name != "long_epoch":
                out.append(path.read_bytes())
    return out


def build(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write about ``megabytes`` MB of concatenated captures to ``path``; the bytes written."""
    rng = random.Random(seed)
    sources = captures()
    target = int(megabytes * 2**20)
    written = 0
    with path.open("wb") as out:
        while written < target:
            src = sources[rng.randrange(len(sources))]
            factor = rng.uniform(0.5, 2.0)
            copy = _VALUE.sub(lambda m: m.group(1) + b"%.4f" % (float(m.group(2)) * factor), src)
            out.write(copy)
            written += len(copy)
    return written


if __name__ == "__main__":  # pragma: no cover
    size = build(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 31)
    print(f"{size} bytes written to {sys.argv[1]}")
