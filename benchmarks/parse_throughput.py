"""Parse throughput on a raw terminal capture of >= 20 MB, against a one-pass regex baseline.

The capture is what Keras writes to a terminal: tf.keras ``[====]`` bars and
Keras 3 ``━━━`` bars rewritten with ``\\r``/``\\b`` after every batch, ANSI
colours, callback messages, many epochs and several runs. The baseline is
the fastest honest alternative: one compiled regex over the whole text that
pulls the same per-epoch values (final bars only) and nothing else; it knows
no formats, locales, events or steps. Run: ``python benchmarks/parse_throughput.py``.
"""
from __future__ import annotations

import random
import re
import statistics
import sys
import time

import logsense
from logsense.grammar import parse_text

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


def build_capture(megabytes: float = 20.0, seed: int = 0) -> tuple[str, list[list[dict[str, float]]]]:
    """A raw capture of at least ``megabytes`` MB and the epoch values it prints, run by run."""
    rng = random.Random(seed)
    parts: list[str] = []
    runs: list[list[dict[str, float]]] = []
    size, run = 0, 0
    while size < megabytes * 1e6:
        make = _keras3_epoch if run % 2 == 0 else _tfkeras_epoch
        epochs, steps = 60, 150
        parts.append(f"model.fit(x, y, epochs={epochs})  # run {run}\n")
        runs.append([])
        for epoch in range(1, epochs + 1):
            text, final = make(rng, epoch, epochs, steps)
            parts.append(text)
            runs[-1].append(final)
            size += len(text.encode("utf-8"))
        run += 1
    return "".join(parts), runs


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


def main(megabytes: float = 20.0, repeat: int = 3) -> None:
    text, expected = build_capture(megabytes)
    mb = len(text.encode("utf-8")) / 1e6
    print(f"capture: {mb:.1f} MB, {len(expected)} runs, {sum(map(len, expected))} epochs, "
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
    print(f"  parse core   : {mb / core_s:8.1f} MB/s  (grammar.parse_text alone: segmenting, prefilter, parsing, "
          f"runs; parse() adds the prediction and context scans)")
    print(f"ratio          : logsense.parse takes {ours_s / base_s:.2f}x the baseline's time, the parse core "
          f"{core_s / base_s:.2f}x (goal: within 3x)")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
