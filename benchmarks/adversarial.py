"""Time `parse` and `diagnose` on pathological inputs at sizes n, 2n and 4n.

Each family is one shape of hostile input (a megabyte line, a million carriage
returns, deep brackets, ...). Time should grow linearly with size: the doubling
ratio t(2n)/t(n) should stay near 2 (up to about 2.2 with noise); a ratio near 4
means something quadratic. Prints the median of ``--repeat`` runs per size.

    python benchmarks/adversarial.py [--scale 1.0] [--repeat 3] [--only NAME ...]
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
import warnings
from typing import Callable

import logsense

#: family -> (text of size n, base n). Base sizes give ~0.05-0.5 s per call here.
FAMILIES: dict[str, tuple[Callable[[int], str], int]] = {
    "single_line": (lambda n: "1/10 [====>....] - ETA: 1s - loss: 0.5000 " * (n // 40), 1_000_000),
    "carriage_returns": (lambda n: "Epoch 1/1\n" + "\r" * n + "\n", 1_000_000),
    "brackets": (lambda n: "predictions:\n" + "[" * n + "\n", 10_000),
    "brackets_closed": (lambda n: "y_pred = " + "[" * n + "0.5" + "]" * n + "\n", 10_000),
    "code_parens": (lambda n: "model.fit(x, y, epochs=" + "(" * n + "1" + ")" * n + ")\n", 10_000),
    "code_braces": (lambda n: "model.compile(loss=" + "{" * n + "\n" + "}" * n + ")\n", 10_000),
    "long_number": (lambda n: "Epoch 1/2\n1/1 [==] - 0s - loss: " + "9" * n + "\nEpoch 2/2\n1/1 [==] - 0s - loss: 0."
                    + "1" * n + "\n", 200_000),
    "epoch_header": (lambda n: "Epoch 1/10\n" * (n // 11), 500_000),
    "nan_inf": (lambda n: "".join(f"Epoch {i + 1}/{n // 70}\n1/1 [==] - 0s - loss: nan - acc: inf - val_loss: -inf\n"
                                  for i in range(n // 70)), 300_000),
    "huge_epochs": (lambda n: "".join(f"Epoch 99999999999/1\n1/1 [==] - 0s - loss: 0.{i}\n"
                                      for i in range(n // 40)), 40_000),
    "code_lines": (lambda n: "model.add(Dense(8, activation='relu'))\n" * (n // 39), 200_000),
    "prediction_arrays": (lambda n: "[[0.1 0.9]\n [0.8 0.2]]\n" * (n // 24), 200_000),
    "runs_with_code": (lambda n: "".join(f"model.compile(optimizer=SGD(lr=0.{i % 9 + 1}), loss='mse')\nEpoch 1/2\n"
                                         "1/1 [==] - 0s - loss: 0.5\nEpoch 2/2\n1/1 [==] - 0s - loss: 0.4\n"
                                         for i in range(n // 125)), 100_000),
    "ansi_steps": (lambda n: "Epoch 1/1\n" + "\x1b[1m1/9\x1b[0m \x1b[32m━━━━\x1b[0m\x1b[37m━━━━\x1b[0m - loss: 0.5\r" * (n // 60)
                   + "\n", 500_000),
    "nul_bytes": (lambda n: "Epoch 1/2\n1/1 [==] - 0s - loss: 0.5\x00\x00\n" * (n // 36), 300_000),
}


def _median_time(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every base size")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=None, help="families to run")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    names = args.only or list(FAMILIES)
    print(f"{'family':18s} {'n':>9s} {'parse s':>9s} {'diag s':>9s} {'x2 parse':>9s} {'x2 diag':>9s}")
    worst = 0.0
    for name in names:
        make, base = FAMILIES[name]
        previous: tuple[float, float] | None = None
        for factor in (1, 2, 4):
            n = int(base * args.scale * factor)
            text = make(n)
            log = logsense.parse(text)
            t_parse = _median_time(lambda: logsense.parse(text), args.repeat)
            t_diag = _median_time(lambda: logsense.diagnose(log), args.repeat)
            ratios = ("", "")
            if previous is not None:
                # Ratios of tiny times are noise: floor both at 5 ms.
                rp = max(t_parse, 5e-3) / max(previous[0], 5e-3)
                rd = max(t_diag, 5e-3) / max(previous[1], 5e-3)
                worst = max(worst, rp, rd)
                ratios = (f"{rp:9.2f}", f"{rd:9.2f}")
            print(f"{name:18s} {len(text):9d} {t_parse:9.4f} {t_diag:9.4f} {ratios[0]:>9s} {ratios[1]:>9s}", flush=True)
            previous = (t_parse, t_diag)
    print(f"worst doubling ratio: {worst:.2f} (linear: ~2; quadratic: ~4)")


if __name__ == "__main__":
    main()
