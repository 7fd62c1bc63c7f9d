"""Parse throughput on a raw terminal capture of >= 20 MB, against a one-pass regex baseline.

The capture is what Keras writes to a terminal: tf.keras ``[====]`` bars and
Keras 3 ``━━━`` bars rewritten with ``\\r``/``\\b`` after every batch, ANSI
colours, callback messages, many epochs and several runs. The baseline is
the fastest honest alternative: one compiled regex over the whole text that
pulls the same per-epoch values (final bars only) and nothing else; it knows
no formats, locales, events or steps.

Scaling: the same capture is written to files of 20 MB, 100 MB and 1 GB (by
streaming writes) and each is parsed from its path in a fresh process, which
reports its time and peak RSS (``VmHWM``) and the RSS after ``import logsense``
(numpy, pandas, scipy and lark are most of it). The baseline runs the same way,
reading the file in 1 MB blocks. Time per MB shows whether time grows linearly.

First, each framework family's MB/s beside its regex baseline (`parse_families.py`).

Run: ``python benchmarks/parse_throughput.py`` (``--quick`` for 5/20/50 MB).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import logsense
from logsense.parse.stream import parse_text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from parse_families import family_throughput  # noqa: E402

BAR3 = "━" * 20


def _keras3_epoch(rng: random.Random, epoch: int, epochs: int, steps: int) -> tuple[str, dict[str, float]]:
    out = [f"Epoch {epoch}/{epochs}\n"]
    loss, acc = 2.0 / epoch, 1 - 0.5 / epoch
    back = ""
    for step in range(1, steps + 1):
        loss_s, acc_s = loss * (1 + 0.1 * rng.random()), acc * (1 - 0.01 * rng.random())
        counter = f"{step:>{len(str(steps))}}/{steps}"
        bar = f"\x1b[1m{counter}\x1b[0m \x1b[32m{BAR3}\x1b[0m \x1b[1m1s\x1b[0m {rng.randint(2, 9)}ms/step"
        line = f"{bar} - accuracy: {acc_s:.4f} - loss: {loss_s:.4f}"
        if step == steps:
            final = {"accuracy": round(acc_s, 4), "loss": round(loss_s, 4),
                     "val_accuracy": round(acc - 0.02, 4), "val_loss": round(loss + 0.05, 4)}
            line = (f"{bar} - accuracy: {final['accuracy']:.4f} - loss: {final['loss']:.4f} - val_accuracy: "
                    f"{final['val_accuracy']:.4f} - val_loss: {final['val_loss']:.4f}")
        out.append(back + "\r" + line)
        back = "\b" * len(line)
    out.append("\n")
    if epoch % 7 == 0:
        out.append(f"\nEpoch {epoch}: val_loss did not improve from {loss:.5f}\n")
    return "".join(out), final


def _tfkeras_epoch(rng: random.Random, epoch: int, epochs: int, steps: int) -> tuple[str, dict[str, float]]:
    out = [f"Epoch {epoch}/{epochs}\n"]
    loss, acc = 1.5 / epoch, 1 - 0.4 / epoch
    back = ""
    for step in range(1, steps + 1):
        done = int(30 * step / steps)
        bar = "[" + "=" * max(done - 1, 0) + (">" if step < steps else "=") + "." * (30 - done) + "]"
        counter = f"{step:>{len(str(steps))}}/{steps}"
        loss_s, acc_s = loss * (1 + 0.1 * rng.random()), acc * (1 - 0.01 * rng.random())
        if step < steps:
            line = f"{counter} {bar} - ETA: {rng.randint(0, 9)}s - loss: {loss_s:.4f} - accuracy: {acc_s:.4f}"
        else:
            final = {"loss": round(loss_s, 4), "accuracy": round(acc_s, 4),
                     "val_loss": round(loss + 0.05, 4), "val_accuracy": round(acc - 0.02, 4)}
            line = (f"{counter} {bar} - 2s {rng.randint(100, 999)}us/step - loss: {final['loss']:.4f} - accuracy: "
                    f"{final['accuracy']:.4f} - val_loss: {final['val_loss']:.4f} - val_accuracy: "
                    f"{final['val_accuracy']:.4f}")
        out.append(back + "\r" + line)
        back = "\b" * len(line)
    out.append("\n")
    return "".join(out), final


def _capture_pieces(megabytes: float, seed: int) -> Iterator[tuple[str, dict[str, float] | None, bool]]:
    """(text, the epoch's final values or None, starts a run) until ``megabytes`` MB are out."""
    rng = random.Random(seed)
    size, run = 0, 0
    while size < megabytes * 1e6:
        make = _keras3_epoch if run % 2 == 0 else _tfkeras_epoch
        epochs, steps = 60, 150
        yield f"model.fit(x, y, epochs={epochs})  # run {run}\n", None, True
        for epoch in range(1, epochs + 1):
            text, final = make(rng, epoch, epochs, steps)
            yield text, final, False
            size += len(text.encode("utf-8"))
        run += 1


def build_capture(megabytes: float = 20.0, seed: int = 0) -> tuple[str, list[list[dict[str, float]]]]:
    """A raw capture of at least ``megabytes`` MB and the epoch values it prints, run by run."""
    parts: list[str] = []
    runs: list[list[dict[str, float]]] = []
    for text, final, new_run in _capture_pieces(megabytes, seed):
        parts.append(text)
        if new_run:
            runs.append([])
        elif final is not None:
            runs[-1].append(final)
    return "".join(parts), runs


def write_capture(path: Path, megabytes: float, seed: int = 0) -> tuple[int, int, str]:
    """Write the capture to ``path`` piece by piece; return (bytes, epochs, digest of the epoch values)."""
    digest, epochs = hashlib.sha256(), 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        for text, final, _ in _capture_pieces(megabytes, seed):
            out.write(text)
            if final is not None:
                digest.update(json.dumps(final, sort_keys=True).encode())
                epochs += 1
    return path.stat().st_size, epochs, digest.hexdigest()


#: The baseline: final bars (N/N) with their metric lists, in one pass.
_FINAL = re.compile(r"(?:^|\r|\n)(?:\x1b\[1m)?\s*(\d+)/\1\b[^\r\n]*?((?: - \w+: [-+0-9.e]+)+)")
_METRIC = re.compile(r"(\w+): ([-+0-9.e]+)")


def baseline(text: str) -> list[dict[str, float]]:
    return [{k: float(v) for k, v in _METRIC.findall(m.group(2))} for m in _FINAL.finditer(text)]


def _median_seconds(fn, arg, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(arg)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def in_memory(megabytes: float = 20.0, repeat: int = 3) -> None:
    """Parse a capture held in memory (a pasted text): MB/s of parse, the parse core and the baseline."""
    text, expected = build_capture(megabytes)
    mb = len(text.encode("utf-8")) / 1e6
    print(f"in memory: {mb:.1f} MB, {len(expected)} runs, {sum(map(len, expected))} epochs, "
          f"{text.count(chr(13))} \\r rewrites")

    base_s, base = _median_seconds(baseline, text, repeat)
    assert base == [e for run in expected for e in run], "baseline misread the capture"
    ours_s, log = _median_seconds(logsense.parse, text, repeat)
    got = [[{k: v for k, v in r.items() if k not in ("epoch", "seconds")} for r in run.epoch_records]
           for run in log.runs]
    assert got == expected, "logsense misread the capture"
    steps = sum(len(run.step_records) for run in log.runs)

    print(f"regex baseline : {mb / base_s:8.1f} MB/s  (median {base_s:.3f} s of {repeat})")
    print(f"logsense.parse : {mb / ours_s:8.1f} MB/s  (median {ours_s:.3f} s of {repeat}; "
          f"{steps} step records, {sum(len(r.events) for r in log.runs)} events as well)")
    core_s, _ = _median_seconds(parse_text, text, repeat)
    print(f"  parse core   : {mb / core_s:8.1f} MB/s  (parse_text alone: segmenting, prefilter, parsing, "
          f"runs; parse() adds the prediction and context scans)")
    print(f"ratio          : logsense.parse takes {ours_s / base_s:.2f}x the baseline's time, the parse core "
          f"{core_s / base_s:.2f}x (goal: within 2x)")


# --------------------------------------------------------------------------- scaling, in fresh processes

#: Run in a fresh interpreter: parse (or baseline-scan) one file, print time, RSS, what was read and a digest
#: as JSON (also `benchmarks/memory.py`'s child).
_CHILD = r"""
import hashlib, json, sys, time
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))
path, mode = sys.argv[1], sys.argv[2]
if mode == "logsense":
    import logsense
    imported = status("VmRSS:")
    start = time.perf_counter()
    log = logsense.parse(path)
    seconds = time.perf_counter() - start
    finals = ({k: v for k, v in r.items() if k not in ("epoch", "seconds")}
              for run in log.runs for r in run.epoch_records)
    runs, steps = len(log.runs), sum(len(run.step_records) for run in log.runs)
else:  # the baseline's two regexes, without importing logsense
    import re
    final_re, metric_re = re.compile(sys.argv[3]), re.compile(sys.argv[4])
    def baseline(text):
        return [{k: float(v) for k, v in metric_re.findall(m.group(2))} for m in final_re.finditer(text)]
    imported = status("VmRSS:")
    start = time.perf_counter()
    found, rest = [], ""
    with open(path, encoding="utf-8", newline="") as f:
        while block := f.read(1 << 20):
            block = rest + block
            cut = block.rfind("\n") + 1
            found += baseline(block[:cut])
            rest = block[cut:]
    found += baseline(rest)
    seconds = time.perf_counter() - start
    finals, runs, steps = found, 0, 0
digest, epochs = hashlib.sha256(), 0
for final in finals:
    digest.update(json.dumps(final, sort_keys=True).encode())
    epochs += 1
print(json.dumps({"seconds": seconds, "peak": status("VmHWM:"), "imported": imported,
                  "runs": runs, "epochs": epochs, "digest": digest.hexdigest(), "steps": steps}))
"""


def child(path: Path, mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), mode, _FINAL.pattern, _METRIC.pattern],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{mode} on {path.name} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def scaling(sizes: list[float], repeat: int) -> None:
    """Time and peak RSS of parsing files of each size from their path, one fresh process per run."""
    print(f"\nfrom a file, fresh process per run (median of {repeat}):")
    print(f"{'size':>9} {'baseline':>9} {'logsense':>9} {'s/MB':>7} {'ratio':>6} {'peak RSS':>9} "
          f"{'over import':>11} {'baseline RSS':>12}  epochs, step records kept")
    per_mb: list[float] = []
    with tempfile.TemporaryDirectory(prefix="logsense-bench-") as tmp:
        for megabytes in sizes:
            path = Path(tmp) / f"capture-{megabytes:g}MB.log"
            size, epochs, digest = write_capture(path, megabytes)
            mb = size / 1e6
            base = [child(path, "baseline") for _ in range(repeat)]
            ours = [child(path, "logsense") for _ in range(repeat)]
            for result in base + ours:
                assert (result["epochs"], result["digest"]) == (epochs, digest), f"misread {path.name}"
            base_s = statistics.median(r["seconds"] for r in base)
            ours_s = statistics.median(r["seconds"] for r in ours)
            peak = statistics.median(r["peak"] for r in ours)
            over = statistics.median(r["peak"] - r["imported"] for r in ours)
            per_mb.append(ours_s / mb)
            base_peak = statistics.median(r["peak"] for r in base)
            print(f"{mb:7.0f}MB {base_s:8.2f}s {ours_s:8.2f}s {ours_s / mb:7.4f} {ours_s / base_s:5.2f}x "
                  f"{peak / 2**20:7.0f}MB {over / 2**20:9.0f}MB {base_peak / 2**20:10.0f}MB"
                  f"  {epochs}, {ours[0]['steps']}")
            path.unlink()
    print(f"linearity: time per MB at the largest size is {per_mb[-1] / per_mb[0]:.2f}x that at the smallest "
          f"(1.00 = linear)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5 MB in memory; 5, 20 and 50 MB files")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (medians are printed)")
    ap.add_argument("--sizes", help="comma-separated file sizes in MB (default 20,100,1000)")
    args = ap.parse_args(argv)
    sizes = [float(x) for x in args.sizes.split(",")] if args.sizes else ([5, 20, 50] if args.quick
                                                                           else [20, 100, 1000])
    family_throughput(1.0 if args.quick else 2.0, args.repeat)
    print()
    in_memory(5.0 if args.quick else 20.0, args.repeat)
    scaling(sizes, args.repeat)


if __name__ == "__main__":
    main()
