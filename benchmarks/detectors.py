"""Detector benchmark on synthetic curves with known truth (logsense.datasets).

Prints, per symptom, precision / recall / F1 over every synthetic run (a finding
of symptom X on a run without X planted is a false positive), the false-alarm
rate on healthy runs (any finding at all), jump localisation error, growth-factor
and parting-epoch errors, and a side-by-side of logsense's jump detector with
ruptures' Pelt and Binseg (mean-shift "l2" cost, same BIC penalty; and Pelt with
the piecewise-linear cost logsense segments with) on the training-loss series of
the jump and healthy runs: every ruptures breakpoint counts as a reported jump.

Then the extended benchmark (`logsense.datasets.make_scheduled`): healthy and jump
runs under every healthy learning-rate schedule x noise family (Gaussian,
Student-t, multiplicative, AR(1), outliers), the rate printed as ``lr`` /
``learning_rate`` or not, ReduceLROnPlateau's messages carried or not. Per
schedule and per noise family, side by side in the same run: logsense, the
do-nothing baseline, the threshold rule (a loss above 1.5x the median of the
previous 5 epochs, as in benchmarks/schedules.py), ruptures Pelt and Binseg
("l2", BIC penalty): jump precision / recall / F1 (every reported changepoint
that is not within +-1 epoch of the planted jump is a false positive) and the
false-alarm rate on healthy runs (a jump reported; for logsense also any finding).

    python benchmarks/detectors.py            # 300 runs per kind, 30 per extended cell and kind
    python benchmarks/detectors.py --quick    # 60 runs per kind, 8 per extended cell
    python benchmarks/detectors.py --extended-only --heldout   # seeds 10000+, never tuned on
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from logsense.datasets import KINDS, NOISES, SCHEDULES, Synthetic, make, make_scheduled
from logsense.detect import JumpDetector, detect_run
from logsense.detect.base import noise_sigma
from logsense.detect.changepoint import bic_penalty

SYMPTOMS = [k for k in KINDS if k != "healthy"]
TOLERANCE = 1  # epochs, for a located jump to count as found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="60 runs per kind instead of 300")
    ap.add_argument("--runs", type=int, default=None, help="runs per kind")
    ap.add_argument("--per-cell", type=int, default=None, help="extended runs per schedule x noise cell and kind")
    ap.add_argument("--extended-only", action="store_true", help="only the schedules x noise families benchmark")
    ap.add_argument("--heldout", action="store_true", help="extended seeds from 10000 (the held-back split)")
    ap.add_argument("--all-cells", action="store_true", help="print every schedule x noise cell, not the worst 8")
    args = ap.parse_args(argv)
    per_kind = args.runs or (60 if args.quick else 300)
    per_cell = args.per_cell or (8 if args.quick else 30)
    if args.extended_only:
        _extended(per_cell, 10_000 if args.heldout else 0, args.all_cells)
        return 0

    data = {kind: [make(kind, seed) for seed in range(per_kind)] for kind in KINDS}
    results: dict[str, list] = {}
    times: list[float] = []
    for kind, runs in data.items():
        results[kind] = []
        for s in runs:
            t0 = time.perf_counter()
            results[kind].append(detect_run(s.run))
            times.append(time.perf_counter() - t0)
    n_epochs = [len(s.run.epoch_records) for runs in data.values() for s in runs]
    print(f"{len(times)} synthetic runs ({per_kind} per kind, {min(n_epochs)}-{max(n_epochs)} epochs), "
          f"detect_run median {1e3 * float(np.median(times)):.1f} ms/run\n")

    print(f"{'symptom':<13}{'TP':>6}{'FP':>6}{'FN':>6}{'precision':>11}{'recall':>8}{'F1':>7}")
    for symptom in SYMPTOMS:
        tp = fp = fn = 0
        for kind, runs in data.items():
            for s, found in zip(runs, results[kind]):
                hit = any(f.symptom == symptom and f.metric in s.truth.metrics for f in found) \
                    if s.truth.symptom == symptom else any(f.symptom == symptom for f in found)
                if s.truth.symptom == symptom:
                    tp += hit
                    fn += not hit
                else:
                    fp += hit
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        flag = "" if f1 >= 0.95 else "   < goal 0.95"
        print(f"{symptom:<13}{tp:>6}{fp:>6}{fn:>6}{p:>11.3f}{r:>8.3f}{f1:>7.3f}{flag}")

    healthy_alarms = [found for found in results["healthy"] if found]
    rate = len(healthy_alarms) / len(results["healthy"])
    kinds = Counter(f.symptom for found in healthy_alarms for f in found)
    print(f"\nfalse alarms on healthy runs: {len(healthy_alarms)}/{len(results['healthy'])} = {rate:.1%} "
          f"(goal <= 2%) {dict(kinds) if kinds else ''}")
    _other_confusions(data, results)
    _jump_localisation(data, results)
    _growth_and_parting(data, results)
    _versus_ruptures(data)
    _extended(per_cell, 10_000 if args.heldout else 0, args.all_cells)
    return 0


def _other_confusions(data: dict[str, list[Synthetic]], results: dict) -> None:
    extra: dict[str, Counter] = defaultdict(Counter)
    for kind in SYMPTOMS:
        for found in results[kind]:
            for f in found:
                if f.symptom != kind:
                    extra[kind][f.symptom] += 1
    if extra:
        print("other findings on symptom runs (co-symptoms, not scored above unless a symptom's FP):")
        for kind, c in extra.items():
            print(f"  {kind:<12} {dict(c)}")


def _jump_localisation(data: dict[str, list[Synthetic]], results: dict) -> None:
    errors = []
    for s, found in zip(data["jump"], results["jump"]):
        for metric in s.truth.metrics:
            starts = [f.start_epoch for f in found if f.symptom == "jump" and f.metric == metric]
            if starts:
                errors.append(min(abs(e - s.truth.epoch) for e in starts))
    e = np.array(errors)
    print(f"\njump localisation ({e.size} located series): mean |error| {e.mean():.2f} epochs, "
          f"median {np.median(e):.0f}, within +-1 epoch {np.mean(e <= 1):.1%}, exact {np.mean(e == 0):.1%}")
    rec_ok = []
    for s, found in zip(data["jump"], results["jump"]):
        f = next((f for f in found if f.symptom == "jump" and f.metric == "loss"
                  and abs(f.start_epoch - s.truth.epoch) <= TOLERANCE), None)
        if f is not None:
            rec_ok.append(f.stats["recovered"] == s.truth.params["recovers"])
    print(f"jump recovery called correctly: {np.mean(rec_ok):.1%} of {len(rec_ok)}")


def _growth_and_parting(data: dict[str, list[Synthetic]], results: dict) -> None:
    rel, covered = [], []
    for s, found in zip(data["divergence"], results["divergence"]):
        f = next((f for f in found if f.symptom == "divergence" and f.metric == "loss"), None)
        if f is not None and f.stats.get("growth_factor"):
            g = s.truth.params["growth_factor"]
            rel.append(abs(f.stats["growth_factor"] / g - 1))
            ci = f.stats.get("growth_ci")
            if ci:
                covered.append(ci[0] <= g <= ci[1])
    if rel:
        print(f"divergence growth factor: median relative error {np.median(rel):.2%}, "
              f"95% CI covers the truth in {np.mean(covered):.1%}")
    err = []
    for s, found in zip(data["overfitting"], results["overfitting"]):
        f = next((f for f in found if f.symptom == "overfitting"), None)
        if f is not None:
            err.append(abs(f.stats["part_epoch"] - s.truth.epoch))
    if err:
        print(f"overfitting parting epoch: median |error| {np.median(err):.0f} epochs, "
              f"within 10% of the run {np.mean([e <= 0.1 * len(s.run.epoch_records) for e, s in zip(err, data['overfitting'])]):.1%}")


def _versus_ruptures(data: dict[str, list[Synthetic]]) -> None:
    """Changepoint-level scores on the training-loss (log) series of jump and healthy runs."""
    series = [(np.log(s.run.series("loss")), s.truth.epoch - 1 if s.truth.symptom == "jump" else None)
              for kind in ("jump", "healthy") for s in data[kind]]

    def ours(z: np.ndarray) -> list[int]:
        return [f.start_epoch - 1 for f in JumpDetector().fit(np.exp(z), np.arange(1, z.size + 1)).findings()]

    methods = {"logsense JumpDetector": ours}
    try:
        import ruptures as rpt  # development-only dependency
    except ImportError:
        print("\nruptures is not installed: pip install 'logsense[bench]' for the comparison")
        rpt = None
    if rpt is not None:
        def rupt(algo):
            def run(z: np.ndarray) -> list[int]:
                pen = bic_penalty(z.size, max(noise_sigma(z), 1e-6))
                return algo(model="l2", min_size=2, jump=1).fit(z).predict(pen=pen)[:-1]
            return run
        methods["ruptures Pelt (l2)"] = rupt(rpt.Pelt)
        methods["ruptures Binseg (l2)"] = rupt(rpt.Binseg)

        def rupt_linear(z: np.ndarray) -> list[int]:
            # The same piecewise-linear segmentation logsense runs, minus its jump test.
            design = np.column_stack([z, np.ones(z.size), np.arange(z.size, dtype=float)])
            pen = bic_penalty(z.size, max(noise_sigma(z), 1e-6))
            return rpt.Pelt(model="linear", min_size=2, jump=1).fit(design).predict(pen=pen)[:-1]
        methods["ruptures Pelt (linear)"] = rupt_linear

    print(f"\njump changepoints on {len(series)} training-loss series (match within +-{TOLERANCE} epoch):")
    print(f"{'method':<26}{'precision':>10}{'recall':>8}{'F1':>7}{'loc.err':>9}{'ms/series':>11}{'ratio':>7}")
    base_time = None
    for name, fn in methods.items():
        tp = fp = fn_ = 0
        loc = []
        t0 = time.perf_counter()
        outputs = [fn(z) for z, _ in series]
        dt = (time.perf_counter() - t0) / len(series)
        for (z, truth), cps in zip(series, outputs):
            if truth is None:
                fp += len(cps)
                continue
            near = [c for c in cps if abs(c - truth) <= TOLERANCE]
            if near:
                tp += 1
                loc.append(min(abs(c - truth) for c in cps))
            else:
                fn_ += 1
            fp += len(cps) - len(near[:1])
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn_) if tp + fn_ else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        base_time = base_time or dt
        print(f"{name:<26}{p:>10.3f}{r:>8.3f}{f1:>7.3f}{(np.mean(loc) if loc else math.nan):>9.2f}"
              f"{1e3 * dt:>11.2f}{dt / base_time:>7.2f}")


EXT_METHODS = ("logsense", "do-nothing", "threshold", "pelt", "binseg")


def _threshold_jumps(loss: np.ndarray) -> list[int]:
    """1-based epochs where the loss exceeds 1.5x the median of the previous 5 (schedules.py's rule)."""
    fin = loss[np.isfinite(loss)]
    return [t + 1 for t in range(5, fin.size) if fin[t] > 1.5 * np.median(fin[t - 5:t])]


def _ruptures_jumps(algo) -> Callable[[np.ndarray], list[int]]:
    def run(loss: np.ndarray) -> list[int]:
        z = np.log(loss[np.isfinite(loss) & (loss > 0)])
        if z.size < 4:
            return []
        pen = bic_penalty(z.size, max(noise_sigma(z), 1e-6))
        return [b + 1 for b in algo(model="l2", min_size=2, jump=1).fit(z).predict(pen=pen)[:-1]]
    return run


def _extended(per_cell: int, seed0: int, all_cells: bool = False) -> None:
    """Jump P/R/F1 and healthy false alarms per schedule and noise family, beside the baselines."""
    try:
        import ruptures as rpt  # development-only dependency
    except ImportError:
        rpt = None
    methods: dict[str, Callable[[np.ndarray], list[int]]] = {
        "do-nothing": lambda loss: [], "threshold": _threshold_jumps}
    if rpt is not None:
        methods["pelt"], methods["binseg"] = _ruptures_jumps(rpt.Pelt), _ruptures_jumps(rpt.Binseg)
    rows = []  # (schedule, noise, kind, truth epoch, lr printed, events, {method: epochs}, any logsense finding)
    t0 = time.perf_counter()
    for schedule in SCHEDULES:
        for family in NOISES:
            for kind in ("healthy", "jump"):
                for seed in range(seed0, seed0 + per_cell):
                    s = make_scheduled(kind, schedule, family, seed)
                    found = detect_run(s.run)
                    loss = s.run.series("loss")
                    rep = {"logsense": [f.start_epoch for f in found if f.symptom == "jump" and f.metric == "loss"]}
                    rep.update({m: fn(loss) for m, fn in methods.items()})
                    rows.append((schedule, family, kind, s.truth.epoch, s.truth.params["lr_column"] is not None,
                                 s.truth.params["events"], rep, [f.symptom for f in found]))
    names = [m for m in EXT_METHODS if m in methods or m == "logsense"]
    print(f"\nextended benchmark: {len(rows)} runs ({per_cell} healthy + {per_cell} jump per schedule x noise "
          f"cell, seeds {seed0}-{seed0 + per_cell - 1}), {time.perf_counter() - t0:.0f} s")

    def score(sel: list[tuple]) -> dict[str, tuple[float, float, float, float]]:
        out = {}
        for m in names:
            tp = fp = fn_ = 0
            alarms = healthy = 0
            for r in sel:
                cps = r[6][m]
                if r[2] == "jump":
                    near = [c for c in cps if abs(c - r[3]) <= TOLERANCE]
                    tp += bool(near)
                    fn_ += not near
                    fp += len(cps) - len(near[:1])
                else:
                    healthy += 1
                    alarms += bool(cps)
                    fp += len(cps)
            p = tp / (tp + fp) if tp + fp else math.nan
            rc = tp / (tp + fn_) if tp + fn_ else math.nan
            f1 = 2 * p * rc / (p + rc) if tp else 0.0
            out[m] = (p, rc, f1, alarms / healthy if healthy else math.nan)
        return out

    def table(title: str, groups: list[tuple[str, list[tuple]]]) -> None:
        print(f"\n{title}: jump precision / recall / F1, then healthy runs with a jump reported "
              f"(logsense: also any finding)")
        print(f"{'':24s}" + "".join(f"{m:>25s}" for m in names) + f"{'any finding':>13s}")
        for label, sel in groups:
            sc = score(sel)
            cells = "".join(f"  {_n(p)} {_n(r)} {_n(f)} FA {_n(fa, 3)}" for p, r, f, fa in (sc[m] for m in names))
            healthy = [r for r in sel if r[2] == "healthy"]
            anyf = sum(bool(r[7]) for r in healthy) / len(healthy) if healthy else math.nan
            flag = "" if sc["logsense"][2] >= 0.95 and sc["logsense"][3] <= 0.01 and anyf <= 0.01 else "  <- goal"
            print(f"{label:24s}{cells}{_n(anyf, 3):>13s}{flag}")

    table("per schedule", [(s, [r for r in rows if r[0] == s]) for s in SCHEDULES])
    table("per noise family", [(z, [r for r in rows if r[1] == z]) for z in NOISES])
    table("by what the log prints", [
        ("lr printed", [r for r in rows if r[4]]), ("lr not printed", [r for r in rows if not r[4]]),
        ("plateau_lr + events", [r for r in rows if r[0] == "plateau_lr" and r[5]]),
        ("plateau_lr, no events", [r for r in rows if r[0] == "plateau_lr" and not r[5]]),
        ("sgdr, lr not printed", [r for r in rows if r[0] == "sgdr" and not r[4]])])
    table("all", [("all cells", rows)])
    worst = []
    for s_ in SCHEDULES:
        for z in NOISES:
            sel = [r for r in rows if r[0] == s_ and r[1] == z]
            sc = score(sel)["logsense"]
            healthy = [r for r in sel if r[2] == "healthy"]
            nolr = score([r for r in sel if not r[4]])["logsense"]
            worst.append((sc[2], sc[3], sum(bool(r[7]) for r in healthy) / len(healthy), s_, z, nolr))
    print("\nlogsense per schedule x noise cell (jump F1 / jump false alarms / any-finding false alarms; "
          f"then the runs that print no rate), {'all' if all_cells else 'worst 8'}:")
    for f1, fa, anyf, s_, z, nolr in (worst if all_cells else sorted(worst)[:8]):
        print(f"  {s_:14s} {z:15s} F1 {f1:.3f}  FA {fa:.3f}  any {anyf:.3f}   no rate: F1 {_n(nolr[2], 3)} "
              f"FA {_n(nolr[3], 3)}")
    kinds = Counter(k for r in rows if r[2] == "healthy" for k in set(r[7]))
    print(f"findings on extended healthy runs, by symptom (runs): {dict(kinds)}")


def _n(x: float, d: int = 2) -> str:
    return f"{'-':>{d + 2}s}" if isinstance(x, float) and math.isnan(x) else f"{x:.{d}f}"


if __name__ == "__main__":
    sys.exit(main())
