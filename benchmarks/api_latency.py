"""How long a notebook user waits: `logsense.parse` and `logsense.diagnose` on the seeds and a 100-epoch history.

The goal (issue 7) is a diagnosis "well under a second for a typical run". Each
row prints the median of several calls after one warm-up, and the ratio of the
whole parse + diagnose to that one-second budget. ``parse`` alone is the
baseline measured in the same run: the ``diagnose/parse`` column says where the
time goes. The live callback's cost per epoch (`logsense.keras.LogsenseMonitor`
re-runs the detectors at every epoch end) is measured on the same 100 epochs.

With Keras importable (e.g. ``KERAS_BACKEND=torch /work/venvs/k3/bin/python
benchmarks/api_latency.py``) the history comes from a real ``model.fit``;
otherwise from a ``History``-shaped object holding the same kind of dict.

    python benchmarks/api_latency.py [--repeat 7]
"""
from __future__ import annotations

import time

_PROCESS_START = time.perf_counter()

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

import logsense  # noqa: E402 - imported after the clock starts, to count it
from logsense.keras import LogsenseMonitor

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
BUDGET_MS = 1000.0


def median_ms(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm-up: grammar build, lazy imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


class HistoryLike:
    """What ``model.fit`` returns, as far as `logsense.parse` looks: a ``.history`` dict."""

    def __init__(self, history: dict[str, list[float]]) -> None:
        self.history = history


def synthetic_history(epochs: int = 100, seed: int = 0) -> HistoryLike:
    """A typical classification fit: loss decaying to a floor, validation a little above, mild noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(epochs)
    loss = 0.15 + 2.15 * np.exp(-t / 15) * np.exp(rng.normal(0, 0.02, epochs))
    val = loss * 1.08 * np.exp(rng.normal(0, 0.03, epochs))
    acc = 1 - loss / 2.6
    return HistoryLike({"loss": loss.tolist(), "accuracy": acc.tolist(), "val_loss": val.tolist(),
                        "val_accuracy": (1 - val / 2.6).tolist()})


def keras_history(epochs: int = 100) -> Any | None:
    """A real History from a small dense classifier, or None without Keras."""
    try:
        import keras
    except Exception:  # noqa: BLE001 - no Keras, or no backend for it
        return None
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 8)).astype("float32")
    y = (x[:, :2].sum(axis=1) > 0).astype("int32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x, y, validation_split=0.2, epochs=epochs, batch_size=64, verbose=0)


def monitor_epoch_ms(history: dict[str, list[float]]) -> tuple[float, float]:
    """Median and worst cost of one ``on_epoch_end`` over a whole fit (the detectors on all epochs so far)."""
    monitor = LogsenseMonitor(stop_on=(), printer=lambda line: None)
    names = list(history)
    times = []
    for epoch in range(len(history[names[0]])):
        logs = {k: history[k][epoch] for k in names}
        start = time.perf_counter()
        monitor.on_epoch_end(epoch, logs)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    imported = time.perf_counter()
    logsense.diagnose(SEEDS[3] if len(SEEDS) > 3 else SEEDS[0])
    first = time.perf_counter()
    print(f"import logsense: {(imported - _PROCESS_START) * 1e3:.0f} ms; first diagnose in this process "
          f"(grammar build, lazy imports): {(first - imported) * 1e3:.0f} ms\n")

    real = keras_history()
    histories = [("history 100 epochs (synthetic)", synthetic_history())]
    if real is not None:
        histories.append(("History 100 epochs (real Keras fit)", real))

    print(f"{'input':<40} {'parse ms':>9} {'diagnose ms':>12} {'total ms':>9} {'diagnose/parse':>15} "
          f"{'of 1 s budget':>14}")
    sources: list[tuple[str, Any]] = [(p.name[:3] + " " + p.name[4:12], p) for p in SEEDS] + histories
    for name, source in sources:
        log = logsense.parse(source)
        parse_ms = median_ms(lambda: logsense.parse(source), args.repeat)
        diagnose_ms = median_ms(lambda: logsense.diagnose(log), args.repeat)
        total = parse_ms + diagnose_ms
        print(f"{name:<40} {parse_ms:>9.1f} {diagnose_ms:>12.1f} {total:>9.1f} "
              f"{diagnose_ms / parse_ms:>15.1f} {total / BUDGET_MS:>13.1%}")

    for name, source in histories:
        median, worst = monitor_epoch_ms(source.history)
        print(f"\nLogsenseMonitor.on_epoch_end over {name}: median {median:.1f} ms per epoch, worst {worst:.1f} ms")


if __name__ == "__main__":
    sys.exit(main())
