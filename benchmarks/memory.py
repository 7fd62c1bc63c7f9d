"""Peak memory of a parse, against a regex scan of the same file (issue 16: <= 300 MB on every family).

Memory should follow what a parse keeps (epochs, a bounded sample of progress
updates, a bounded side text), not the size of the file. Four files are
written by streaming writes into a temporary directory:

* ``raw``: a raw terminal capture of many short runs (Keras 3 and tf.keras bars
  redrawn with ``\\r``/``\\b``, 5 epochs of 21 steps a run: ~47k runs a GB),
  from `parse_throughput`'s epoch generators;
* ``piped``: `parse_throughput`'s capture as a pipe or a file receives it: every
  ``\\r`` a newline, no ``\\b`` (one update per line);
* ``headers``: 10^6 ``Epoch N/M`` headers and nothing else;
* ``headers+bar``: 10^6 headers, each followed by its epoch's final bar line;
* ``restarts``: 10^6 headers alone going 1/2, 2/2, 1/2, ...: half a million runs without a record.

Each is parsed from its path (``logsense.parse(path)``) in a fresh process
that reports its time, peak RSS (``VmHWM``) and the RSS after ``import
logsense``; the baseline, in the same run, is `parse_throughput`'s regex scan
of the file in 1 MB blocks in a fresh process of its own. The parse's epochs
are checked against what the generator wrote.

Run: ``python benchmarks/memory.py`` (``--quick`` for a tenth of the sizes).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse_throughput import _capture_pieces, _keras3_epoch, _tfkeras_epoch, child

#: The goal: peak RSS of the parse process, import included.
GOAL_MB = 300

#: (text, the epoch's final values or None, starts a run)
Pieces = Iterator[tuple[str, "dict[str, float] | None", bool]]


def raw_pieces(megabytes: float, seed: int = 0, epochs: int = 5, steps: int = 21) -> Pieces:
    """A raw capture of many short runs: each a ``model.fit`` line and ``epochs`` epochs of ``steps``
    redraws, Keras 3 and tf.keras in turn."""
    rng = random.Random(seed)
    size, run = 0, 0
    while size < megabytes * 1e6:
        make = _keras3_epoch if run % 2 == 0 else _tfkeras_epoch
        head = f"model.fit(x, y, epochs={epochs})  # run {run}\n"
        yield head, None, True
        size += len(head)
        for epoch in range(1, epochs + 1):
            text, final = make(rng, epoch, epochs, steps)
            yield text, final, False
            size += len(text.encode("utf-8"))
        run += 1


def piped_pieces(megabytes: float, seed: int = 0) -> Pieces:
    """`parse_throughput`'s capture as a pipe receives it: each ``\\r`` redraw on a line of its own,
    no ``\\b``; whole runs until ``megabytes`` MB are out."""
    size = 0
    for text, final, new_run in _capture_pieces(float("inf"), seed):
        if new_run and size >= megabytes * 1e6:
            return
        text = text.replace("\b", "").replace("\n\r", "\n").replace("\r", "\n")
        yield text, final, new_run
        size += len(text.encode("utf-8"))


def header_pieces(count: int, bar: bool, restart: bool = False) -> Pieces:
    """``count`` ``Epoch N/count`` headers, each followed by its final bar line when ``bar``; with
    ``restart`` they go ``Epoch 1/2``, ``Epoch 2/2``, ``Epoch 1/2``, ...: every other one starts a run
    (a run of headers alone, which the parse drops)."""
    yield "", None, True
    for epoch in range(1, count + 1):
        header = f"Epoch {2 - epoch % 2}/2\n" if restart else f"Epoch {epoch}/{count}\n"
        if not bar:
            yield header, None, restart and epoch % 2 == 1
            continue
        loss = round(1.0 / epoch, 4)
        yield f"{header}1/1 [==============================] - 0s 1ms/step - loss: {loss:.4f}\n", {"loss": loss}, \
            False


def write(path: Path, pieces: Pieces) -> dict:
    """Write the pieces to ``path`` in blocks; return its size, runs, epochs and a digest of the epochs."""
    digest, epochs, runs, buffer, held = hashlib.sha256(), 0, 0, [], 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        for text, final, new_run in pieces:
            buffer.append(text)
            held += len(text)
            if held > 1 << 20:
                out.write("".join(buffer))
                buffer, held = [], 0
            runs += new_run
            if final is not None:
                digest.update(json.dumps(final, sort_keys=True).encode())
                epochs += 1
        out.write("".join(buffer))
    return {"bytes": path.stat().st_size, "runs": runs, "epochs": epochs, "digest": digest.hexdigest()}


def families(scale: float) -> list[tuple[str, Callable[[], Pieces]]]:
    headers = int(1_000_000 * scale)
    return [
        ("raw", lambda: raw_pieces(1000 * scale)),
        ("piped", lambda: piped_pieces(80 * scale)),
        ("headers", lambda: header_pieces(headers, bar=False)),
        ("headers+bar", lambda: header_pieces(headers, bar=True)),
        ("restarts", lambda: header_pieces(headers, bar=False, restart=True)),
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the sizes (100 MB raw, 8 MB piped, 10^5 headers)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (medians are printed)")
    ap.add_argument("--only", help="comma-separated families to run (raw, piped, headers, headers+bar)")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    mb = 2 ** 20
    print(f"peak RSS of logsense.parse(path) in a fresh process (goal <= {GOAL_MB} MB), beside a regex scan; "
          f"medians of {args.repeat}")
    print(f"{'file':<12} {'size':>8} {'runs':>7} {'epochs':>8} {'steps':>6} {'base s':>7} {'parse s':>8} "
          f"{'ratio':>6} {'base RSS':>9} {'import':>7} {'peak RSS':>9} {'over imp':>9} {'peak/base':>9}")
    with tempfile.TemporaryDirectory(prefix="logsense-memory-") as tmp:
        for name, pieces in families(0.1 if args.quick else 1.0):
            if only is not None and name not in only:
                continue
            path = Path(tmp) / f"{name}.log"
            wrote = write(path, pieces())
            base = [child(path, "baseline") for _ in range(args.repeat)]
            ours = [child(path, "logsense") for _ in range(args.repeat)]
            for result in ours:
                assert (result["epochs"], result["digest"]) == (wrote["epochs"], wrote["digest"]), \
                    f"logsense misread {name}: {result['epochs']} epochs, {wrote['epochs']} written"
            base_s = statistics.median(r["seconds"] for r in base)
            ours_s = statistics.median(r["seconds"] for r in ours)
            base_peak = statistics.median(r["peak"] for r in base)
            peak = statistics.median(r["peak"] for r in ours)
            imported = statistics.median(r["imported"] for r in ours)
            print(f"{name:<12} {wrote['bytes'] / 1e6:6.0f}MB {ours[0]['runs']:>7} {ours[0]['epochs']:>8} "
                  f"{ours[0]['steps']:>6} {base_s:6.2f}s {ours_s:7.2f}s {ours_s / base_s:5.2f}x "
                  f"{base_peak / mb:7.0f}MB {imported / mb:5.0f}MB {peak / mb:7.0f}MB {(peak - imported) / mb:7.0f}MB "
                  f"{peak / base_peak:8.2f}x" + ("" if peak / mb <= GOAL_MB else "  over the goal"), flush=True)
            path.unlink()


if __name__ == "__main__":
    main()
