"""Detector benchmark on realistic curves (benchmarks/realistic_curves.py): an independent yardstick.

Every curve is rendered as tf.keras 2.x ``verbose=2`` console text and diagnosed with
``logsense.diagnose(text)``; its run findings are scored against the planted truth.  Per symptom:
precision / recall / F1 (a finding of symptom X on a curve without X planted is a false
positive; a jump counts as found when a jump finding starts within +-2 epochs of the planted
one; the other symptoms count as found when reported at all).  On the healthy curves: the
false-alarm rate (any finding at all) per schedule x noise family.

Side by side, in the same run and on the same printed values:
  * do-nothing: never reports anything;
  * threshold rules: jump if one epoch's loss > 1.5x the median of the previous 5; divergence
    if loss > 10x its running minimum; plateau if loss changed < 1 % over 5 epochs (any 5);
    overfitting if val_loss rose in 3 consecutive epochs while loss fell in each; nan if any
    loss / val_loss is non-finite (no oscillation rule);
  * ruptures Pelt(model="l2") and Binseg(model="l2") on the training loss (finite part), penalty
    2 sigma^2 log n with sigma = 1.4826 MAD(first differences) / sqrt(2) (at least the printed
    resolution / sqrt(12)); every breakpoint counts as a reported jump.

    python benchmarks/schedules.py                       # dev split, ~1050 curves
    python benchmarks/schedules.py --split heldout       # the held-out seeds (never tune on them)
    python benchmarks/schedules.py --per-cell 8          # 8 curves per cell
    python benchmarks/schedules.py --quick               # 4 healthy / 3 pathology curves per cell
    python benchmarks/schedules.py --json out.json       # also every curve's truth and findings
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import sys
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realistic_curves as rc

SYMPTOMS = rc.PATHOLOGIES            # the six planted symptoms
JUMP_TOLERANCE = 2                   # epochs
METHODS = ("logsense", "do-nothing", "threshold", "pelt", "binseg")
JUMP_ONLY = ("pelt", "binseg")


# --------------------------------------------------------------------------- baselines

def threshold_rules(loss: np.ndarray, val: np.ndarray | None) -> list[tuple[str, int]]:
    """(symptom, 1-based epoch) for every rule that fires."""
    out: list[tuple[str, int]] = []
    bad = ~np.isfinite(loss) | (~np.isfinite(val) if val is not None else False)
    if bad.any():
        out.append(("nan", int(np.argmax(bad)) + 1))
    fin = loss[: int(np.argmax(~np.isfinite(loss)))] if (~np.isfinite(loss)).any() else loss
    n = len(fin)
    for t in range(5, n):
        if fin[t] > 1.5 * np.median(fin[t - 5:t]):
            out.append(("jump", t + 1))
    run_min = np.minimum.accumulate(fin) if n else fin
    div = np.nonzero(fin > 10 * run_min)[0]
    if len(div):
        out.append(("divergence", int(div[0]) + 1))
    for t in range(5, n):
        if abs(fin[t] - fin[t - 5]) < 0.01 * abs(fin[t - 5]):
            out.append(("plateau", t - 5 + 1))
            break
    if val is not None:
        v = val[:n]
        m = min(n, int(np.argmax(~np.isfinite(v))) if (~np.isfinite(v)).any() else n)
        for t in range(3, m):
            if all(v[j] > v[j - 1] and fin[j] < fin[j - 1] for j in range(t - 2, t + 1)):
                out.append(("overfitting", t - 3 + 1))
                break
    return out


def robust_sigma(x: np.ndarray) -> float:
    d = np.diff(x)
    if len(d) == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / math.sqrt(2))


def ruptures_jumps(loss: np.ndarray, algo: str) -> list[int]:
    """1-based epochs where a new segment starts (every breakpoint but the series' end)."""
    import ruptures

    fin = loss[: int(np.argmax(~np.isfinite(loss)))] if (~np.isfinite(loss)).any() else loss
    n = len(fin)
    if n < 4:
        return []
    res = np.where(np.abs(fin) > 1e-3, 1e-4, np.abs(fin) * 1e-4)
    sigma = max(robust_sigma(fin), float(np.median(res)) / math.sqrt(12))
    pen = 2 * sigma ** 2 * math.log(n)
    cls = ruptures.Pelt if algo == "pelt" else ruptures.Binseg
    bkps = cls(model="l2", min_size=2, jump=1).fit(fin.reshape(-1, 1)).predict(pen=pen)
    return [b + 1 for b in bkps if b < n]


# --------------------------------------------------------------------------- scoring

def found(symptom: str, truth: rc.Truth, reported: list[tuple[str, int | None]]) -> bool:
    hits = [e for s, e in reported if s == symptom]
    if symptom != "jump":
        return bool(hits)
    return any(e is not None and abs(e - truth.epoch) <= JUMP_TOLERANCE for e in hits)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else 0.0
    return p, r, f


def _f(x: float, w: int = 4) -> str:
    return " " * (w - 1) + "-" if math.isnan(x) else f"{x:.2f}".rjust(w)


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=sorted(rc.SPLITS), default="dev")
    ap.add_argument("--per-cell", type=int, default=None,
                    help="curves per cell (default 20 per healthy schedule x noise, 15 per pathology x noise)")
    ap.add_argument("--quick", action="store_true", help="4 healthy / 3 pathology curves per cell")
    ap.add_argument("--json", type=Path, default=None, help="write every curve's truth and findings here")
    args = ap.parse_args(argv)
    if args.per_cell:
        per_h = per_p = args.per_cell
    elif args.quick:
        per_h, per_p = 4, 3
    else:
        per_h, per_p = 20, 15

    import logsense

    t_gen = time.perf_counter()
    curves = list(rc.suite(args.split, per_h, per_p))
    t_gen = time.perf_counter() - t_gen

    reports: dict[str, list[list[tuple[str, int | None]]]] = {m: [] for m in METHODS}
    metrics_seen: list[list[tuple[str, str | None, int | None]]] = []
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[tuple[int, str]] = []
    parse_ok = 0
    for c in curves:
        text = c.render()
        t0 = time.perf_counter()
        try:
            d = logsense.diagnose(text).to_dict()
        except Exception as exc:  # noqa: BLE001 - a crash is a result too
            d = {"runs": []}
            errors.append((c.seed, f"{type(exc).__name__}: {exc}"))
            if len(errors) == 1:
                traceback.print_exc()
        times["logsense"].append(time.perf_counter() - t0)
        runs = d.get("runs", [])
        fl = [f for r in runs for f in r.get("findings", [])]
        reports["logsense"].append([(f["symptom"], f.get("start_epoch")) for f in fl])
        metrics_seen.append([(f["symptom"], f.get("metric"), f.get("start_epoch")) for f in fl])
        if len(runs) == 1 and runs[0].get("meta", {}).get("declared_epochs") in (c.declared_epochs, None):
            parse_ok += 1
        reports["do-nothing"].append([])
        loss = c.values("loss")
        val = c.values("val_loss") if "val_loss" in c.history else None
        t0 = time.perf_counter()
        reports["threshold"].append(threshold_rules(loss, val))
        times["threshold"].append(time.perf_counter() - t0)
        for algo in JUMP_ONLY:
            t0 = time.perf_counter()
            reports[algo].append([("jump", e) for e in ruptures_jumps(loss, algo)])
            times[algo].append(time.perf_counter() - t0)

    truths = [c.truth for c in curves]
    n_ep = [c.n_epochs for c in curves]
    kinds = Counter(t.kind for t in truths)
    print(f"{len(curves)} realistic curves, split {args.split} "
          f"(seeds {min(c.seed for c in curves)}-{max(c.seed for c in curves)}), "
          f"{min(n_ep)}-{max(n_ep)} epochs (median {int(statistics.median(n_ep))}); "
          + ", ".join(f"{k} {kinds[k]}" for k in rc.KINDS))
    print(f"logsense: {len(errors)} crashes; {parse_ok}/{len(curves)} texts read as one run with the "
          f"declared epoch count; generation {t_gen:.1f}s")

    # ---- per symptom P / R / F1
    print("\nPer symptom: precision / recall / F1 (jump within +-2 epochs; n = curves with it planted)")
    head = f"{'symptom':12s} {'n':>4s} | " + " | ".join(f"{m:^16s}" for m in METHODS)
    print(head)
    print("-" * len(head))
    tot = {m: [0, 0, 0] for m in METHODS}
    for s in SYMPTOMS:
        row = f"{s:12s} {sum(t.kind == s for t in truths):4d} | "
        cells = []
        for m in METHODS:
            if m in JUMP_ONLY and s != "jump":
                cells.append(f"{'':16s}")
                continue
            tp = fp = fn = 0
            for t, rep in zip(truths, reports[m]):
                if t.kind == s:
                    if found(s, t, rep):
                        tp += 1
                    else:
                        fn += 1
                elif any(x == s for x, _ in rep):
                    fp += 1
            p, r, f = prf(tp, fp, fn)
            for i, v in enumerate((tp, fp, fn)):
                tot[m][i] += v
            cells.append(f"{_f(p)} {_f(r)} {_f(f)}  ")
        print(row + " | ".join(cells))
    cells = []
    for m in METHODS:
        if m in JUMP_ONLY:
            cells.append(f"{'':16s}")
            continue
        p, r, f = prf(*tot[m])
        cells.append(f"{_f(p)} {_f(r)} {_f(f)}  ")
    print(f"{'all (micro)':12s} {sum(t.kind != 'healthy' for t in truths):4d} | " + " | ".join(cells))

    # ---- false alarms on healthy curves
    healthy = [i for i, t in enumerate(truths) if t.kind == "healthy"]
    fa_methods = [m for m in METHODS if m != "do-nothing"]

    def fa(idx: list[int], m: str) -> float:
        return sum(bool(reports[m][i]) for i in idx) / len(idx) if idx else float("nan")

    print(f"\nFalse-alarm rate on healthy curves (any finding at all; do-nothing is 0 everywhere), "
          f"{len(healthy)} curves")
    head = f"{'schedule':14s} {'noise':10s} {'n':>3s} " + " ".join(f"{m:>9s}" for m in fa_methods)
    print(head)
    print("-" * len(head))
    by_cell: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in healthy:
        by_cell[(truths[i].schedule, truths[i].noise)].append(i)
    for sch in rc.SCHEDULES:
        for z in rc.NOISES:
            idx = by_cell.get((sch, z), [])
            if idx:
                print(f"{sch:14s} {z:10s} {len(idx):3d} " + " ".join(f"{fa(idx, m):9.2f}" for m in fa_methods))
    print("-" * len(head))
    for sch in rc.SCHEDULES:
        idx = [i for i in healthy if truths[i].schedule == sch]
        print(f"{sch:14s} {'(all)':10s} {len(idx):3d} " + " ".join(f"{fa(idx, m):9.2f}" for m in fa_methods))
    for z in rc.NOISES:
        idx = [i for i in healthy if truths[i].noise == z]
        print(f"{'(all)':14s} {z:10s} {len(idx):3d} " + " ".join(f"{fa(idx, m):9.2f}" for m in fa_methods))
    print(f"{'all healthy':25s} {len(healthy):3d} " + " ".join(f"{fa(healthy, m):9.2f}" for m in fa_methods))

    # logsense's healthy false alarms, compact: schedule x noise matrix
    print("\nlogsense false-alarm rate, schedule x noise:")
    print(f"{'':14s}" + "".join(f"{z:>10s}" for z in rc.NOISES) + f"{'all':>8s}")
    for sch in rc.SCHEDULES:
        line = f"{sch:14s}" + "".join(f"{fa(by_cell.get((sch, z), []), 'logsense'):10.2f}" for z in rc.NOISES)
        print(line + f"{fa([i for i in healthy if truths[i].schedule == sch], 'logsense'):8.2f}")

    # which symptoms the healthy false alarms are, and where they sit
    sym_counts: dict[str, Counter] = defaultdict(Counter)
    near_lr = Counter()
    near_out = Counter()
    for i in healthy:
        t = truths[i]
        for s, metric, e in set(metrics_seen[i]):
            sym_counts[t.schedule][s] += 1
            if s == "jump" and e is not None:
                if any(abs(e - x) <= JUMP_TOLERANCE for x in t.lr_events):
                    near_lr[s] += 1
                if any(abs(e - x) <= 1 for x in t.outlier_epochs):
                    near_out[s] += 1
    all_syms = sorted({s for c in sym_counts.values() for s in c})
    if all_syms:
        print("\nlogsense findings on healthy curves, by symptom (curves x distinct findings):")
        print(f"{'schedule':14s}" + "".join(f"{s:>13s}" for s in all_syms))
        for sch in rc.SCHEDULES:
            print(f"{sch:14s}" + "".join(f"{sym_counts[sch][s]:13d}" for s in all_syms))
        print(f"healthy jump findings within +-{JUMP_TOLERANCE} epochs of an lr step/restart/reduction: "
              f"{near_lr['jump']}; within +-1 of a healthy outlier epoch: {near_out['jump']}")

    # render variants: lr column, callback line
    print("\nlogsense false-alarm rate by what the log prints:")
    for label, key in (("lr column", "lr_column"), ("ReduceLROnPlateau message", "callback_lines")):
        groups: dict[str, list[int]] = defaultdict(list)
        for i in healthy:
            if key == "callback_lines" and truths[i].schedule != "plateau_lr":
                continue
            groups[str(truths[i].params.get(key))].append(i)
        print(f"  {label}: " + ", ".join(f"{g} {fa(ix, 'logsense'):.2f} (n={len(ix)})"
                                         for g, ix in sorted(groups.items())))

    # ---- confusion: planted kind -> share of curves with each reported symptom (logsense)
    reported_syms = sorted({s for rep in reports["logsense"] for s, _ in rep})
    if reported_syms:
        print("\nlogsense: share of curves of each planted kind with each reported symptom")
        print(f"{'planted':12s} {'n':>4s}" + "".join(f"{s[:12]:>13s}" for s in reported_syms))
        for k in rc.KINDS:
            idx = [i for i, t in enumerate(truths) if t.kind == k]
            if idx:
                print(f"{k:12s} {len(idx):4d}" + "".join(
                    f"{sum(any(x == s for x, _ in reports['logsense'][i]) for i in idx) / len(idx):13.2f}"
                    for s in reported_syms))

    # ---- jump localisation and per-family recall
    for m in ("logsense", "threshold", "pelt", "binseg"):
        errs = []
        any_jump = 0
        for t, rep in zip(truths, reports[m]):
            if t.kind != "jump":
                continue
            e = [x for s, x in rep if s == "jump" and x is not None]
            if e:
                any_jump += 1
                errs.append(min(abs(x - t.epoch) for x in e))
        nj = kinds["jump"]
        if nj:
            print(f"{'jump ' + m + ':':17s} some jump reported on {any_jump}/{nj} jump curves; "
                  f"nearest |start - truth| median {statistics.median(errs) if errs else float('nan'):.0f}, "
                  f"within +-{JUMP_TOLERANCE}: {sum(x <= JUMP_TOLERANCE for x in errs)}")
    groups = {"3-6 sigma": lambda p: p["jump_sigmas"] < 6, "6-12 sigma": lambda p: 6 <= p["jump_sigmas"] < 12,
              "12-30 sigma": lambda p: p["jump_sigmas"] >= 12, "visible rise": lambda p: p["jump_visible"],
              "hidden in the decline": lambda p: not p["jump_visible"]}
    print("jump recall (+-2 epochs) by planted size:\n  " + "\n  ".join(
        f"{g + f' (n={len(ix)})':28s} " + " ".join(f"{m} {sum(found('jump', truths[i], reports[m][i]) for i in ix) / len(ix):.2f}"
                                          for m in ("logsense", "pelt", "binseg"))
        for g, fn in groups.items()
        for ix in [[i for i, t in enumerate(truths) if t.kind == "jump" and fn(t.params)]] if ix))
    print("\nlogsense recall per noise family (planted curves found):")
    print(f"{'symptom':12s}" + "".join(f"{z:>11s}" for z in rc.NOISES))
    for s in SYMPTOMS:
        line = f"{s:12s}"
        for z in rc.NOISES:
            idx = [i for i, t in enumerate(truths) if t.kind == s and t.noise == z]
            r = sum(found(s, truths[i], reports["logsense"][i]) for i in idx) / len(idx) if idx else float("nan")
            line += f"{r:11.2f}"
        print(line)

    # ---- time and memory
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("\nmedian time per curve: " + ", ".join(
        f"{m} {statistics.median(times[m]) * 1e3:.1f} ms" for m in ("logsense", "threshold", "pelt", "binseg"))
        + f" (logsense p90 {np.percentile(times['logsense'], 90) * 1e3:.0f} ms, "
          f"total {sum(times['logsense']):.0f} s); peak RSS {rss:.0f} MB")
    if errors:
        print(f"crashes ({len(errors)}): " + "; ".join(f"seed {s}: {e[:120]}" for s, e in errors[:5]))

    if args.json:
        out = []
        for c, i in zip(curves, range(len(curves))):
            t = c.truth
            out.append({"seed": c.seed, "kind": t.kind, "schedule": t.schedule, "noise": t.noise,
                        "epoch": t.epoch, "metrics": list(t.metrics), "n_epochs": c.n_epochs,
                        "lr_events": t.lr_events, "outlier_epochs": t.outlier_epochs,
                        "params": {k: v for k, v in t.params.items()},
                        "findings": {m: reports[m][i] for m in METHODS if m != "do-nothing"},
                        "logsense_metrics": metrics_seen[i]})
        args.json.write_text(json.dumps(out, default=float, indent=0))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
