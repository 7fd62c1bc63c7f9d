"""Real-posts benchmark: logsense against labels taken from public forum threads.

Reads fixtures/real_posts/labels.jsonl (one labelled forum post per line, the
post text in fixtures/real_posts/posts/) and scores, per split, three systems
side by side in the same run:

* logsense            - logsense.diagnose(path).to_dict()
* do-nothing baseline - always "healthy", never a finding
* threshold baseline  - fixed rules of the kind other tools use, applied to the
                        epochs logsense.parse(path) reads: nan (NaN/inf or
                        loss >= 1e3), divergence (loss > 10x its minimum),
                        overfitting (val_loss up 3 epochs in a row while loss
                        falls), plateau (< 1 % relative change over the last 5
                        epochs); cause lr_too_high for nan/divergence,
                        memorization for overfitting, lr_too_low for plateau,
                        else healthy.

Scores: (a) top cause right (exact id; only posts whose label is a known id),
(b) broken posts called healthy, (c) recall of expected symptoms,
(d) calm posts with any finding, and posts with a not_symptoms violation,
(e) parse: runs and epochs per run right, first/last values within 1e-4 relative.
Also a reliability table of logsense's top-cause confidence (per split with
--split all, with the expected calibration error) and the list of the posts
logsense gets wrong. A post that raises is recorded and skipped.

    python benchmarks/real_posts.py [--split dev|heldout|all] [--json]
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "real_posts"

# Cause ids a label may carry (contract ids plus the corpus vocabulary); labels
# "other:<slug>" and null are not scored for (a).
KNOWN_CAUSES = {
    "lr_too_high", "lr_too_low", "l2_penalty_in_loss", "saturated_logits", "loss_activation_mismatch",
    "collapse_to_mean", "optimizer_instability", "dropout_gap", "memorization", "healthy", "stuck_at_prior",
    "class_imbalance", "label_mismatch", "unscaled_targets", "bounded_output", "accuracy_on_regression",
    "targets_out_of_range", "leaked_or_constant_targets", "log_of_zero", "bad_data", "custom_loss_bug",
    "library_bug", "dead_relu", "frozen_layers", "sorted_validation_split", "data_mismatch",
    "batchnorm_inference", "lr_schedule",
}
SYSTEMS = ("logsense", "do-nothing", "threshold")
REL_TOL = 1e-4
# English names a log may print for one quantity, tried in order when comparing parse values.
ALIASES = {"acc": ("acc", "accuracy"), "accuracy": ("accuracy", "acc"),
           "val_acc": ("val_acc", "val_accuracy"), "val_accuracy": ("val_accuracy", "val_acc")}


def load_labels(split: str) -> list[dict]:
    rows = [json.loads(line) for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if split == "all" or r["split"] == split]


def _num(v) -> float:
    if isinstance(v, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(v.lower(), math.nan)
    return float(v) if v is not None else math.nan


# ---------------------------------------------------------------- predictions

def predict_logsense(path: Path) -> dict:
    import logsense
    d = logsense.diagnose(path).to_dict()
    symptoms = {f.get("symptom") for r in d.get("runs", []) for f in r.get("findings", [])}
    symptoms |= {f.get("symptom") for f in d.get("findings", [])}
    symptoms.discard(None)
    causes = d.get("causes") or []
    top = causes[0] if causes else None
    return {"symptoms": symptoms, "cause": top.get("cause") if top else None,
            "confidence": top.get("confidence") if top else None}


def predict_nothing(path: Path) -> dict:
    return {"symptoms": set(), "cause": "healthy", "confidence": None}


def _series(df, name) -> list[float]:
    if df is None or name not in getattr(df, "columns", []):
        return []
    return [float(x) for x in df[name].tolist()]


def threshold_rules(run_epochs) -> set[str]:
    """The fixed-threshold rules, on one run's epochs DataFrame."""
    found: set[str] = set()
    loss = _series(run_epochs, "loss")
    val = _series(run_epochs, "val_loss")
    values = [x for col in getattr(run_epochs, "columns", []) if col not in ("epoch", "seconds")
              for x in _series(run_epochs, col)]
    if any(not math.isfinite(x) for x in values) or any(math.isfinite(x) and x >= 1e3 for x in loss):
        found.add("nan")
    fin = [x for x in loss if math.isfinite(x)]
    if fin:
        lo = min(fin)
        if lo > 0 and any(x > 10 * lo for x in fin[fin.index(lo):]):
            found.add("divergence")
    if len(loss) == len(val) and len(val) >= 4:
        for i in range(len(val) - 3):
            v = val[i:i + 4]
            tr = loss[i:i + 4]
            if all(b > a for a, b in itertools.pairwise(v)) and all(b < a for a, b in itertools.pairwise(tr)):
                found.add("overfitting")
                break
    if len(fin) >= 5:
        tail = fin[-5:]
        ref = max(abs(tail[0]), 1e-12)
        if (max(tail) - min(tail)) / ref < 0.01:
            found.add("plateau")
    return found


def predict_threshold(path: Path) -> dict:
    import logsense
    log = logsense.parse(path)
    symptoms: set[str] = set()
    for run in log.runs:
        symptoms |= threshold_rules(run.epochs)
    if symptoms & {"nan", "divergence"}:
        cause = "lr_too_high"
    elif "overfitting" in symptoms:
        cause = "memorization"
    elif "plateau" in symptoms:
        cause = "lr_too_low"
    else:
        cause = "healthy"
    return {"symptoms": symptoms, "cause": cause, "confidence": None}


# ---------------------------------------------------------------- parse check

def _close(expected, got) -> bool:
    e, g = _num(expected), _num(got)
    if math.isnan(e) or math.isnan(g):
        return math.isnan(e) and math.isnan(g)
    if math.isinf(e) or math.isinf(g):
        return e == g
    return abs(e - g) <= REL_TOL * max(abs(e), 1e-12)


def _row_value(row: dict, name: str):
    for alias in ALIASES.get(name, (name,)):
        if alias in row:
            return row[alias]
    return None


def check_parse(path: Path, expected: dict) -> dict:
    import logsense
    log = logsense.parse(path)
    runs = log.runs
    got_epochs = [len(r.epochs) for r in runs]
    out = {"runs": len(runs) == expected["runs"], "epochs": got_epochs == list(expected["epochs"]),
           "values": True, "got_runs": len(runs), "got_epochs": got_epochs}
    if not runs or not len(runs[0].epochs) or not len(runs[-1].epochs):
        out["values"] = False
        return out
    first = runs[0].epochs.iloc[0].to_dict()
    last = runs[-1].epochs.iloc[-1].to_dict()
    for which, row in (("first", first), ("last", last)):
        for name, val in expected.get(which, {}).items():
            if not _close(val, _row_value(row, name)):
                out["values"] = False
    return out


# ---------------------------------------------------------------- scoring

def score(labels: list[dict]) -> dict:
    preds = {s: {} for s in SYSTEMS}
    errors: dict[str, str] = {}
    parse: dict[str, dict] = {}
    funcs = {"logsense": predict_logsense, "do-nothing": predict_nothing, "threshold": predict_threshold}
    for lab in labels:
        path = CORPUS / lab["file"]
        for name, fn in funcs.items():
            try:
                preds[name][lab["id"]] = fn(path)
            except Exception as exc:  # noqa: BLE001 - never stop on one post
                errors.setdefault(lab["id"], f"{name}: {type(exc).__name__}: {exc}")
                preds[name][lab["id"]] = {"symptoms": set(), "cause": None, "confidence": None, "error": True}
        try:
            parse[lab["id"]] = check_parse(path, lab["parse"])
        except Exception as exc:  # noqa: BLE001 - a parse failure is a score, not a stop
            errors.setdefault(lab["id"], f"parse: {type(exc).__name__}: {exc}")
            parse[lab["id"]] = {"runs": False, "epochs": False, "values": False}

    table = {}
    for name in SYSTEMS:
        p = preds[name]
        causal = [lab for lab in labels if lab["cause"] in KNOWN_CAUSES]
        right = sum(p[lab["id"]]["cause"] == lab["cause"] for lab in causal)
        broken = [lab for lab in labels if lab["broken"]]
        all_clear = sum(p[lab["id"]]["cause"] == "healthy" or (not p[lab["id"]]["symptoms"] and not p[lab["id"]]["cause"])
                        for lab in broken)
        exp = [(lab["id"], s) for lab in labels for s in lab["symptoms"]]
        found = sum(s in p[i]["symptoms"] for i, s in exp)
        calm = [lab for lab in labels if not lab["broken"]]
        calm_fp = sum(bool(p[lab["id"]]["symptoms"]) for lab in calm)
        viol = sum(bool(set(lab.get("not_symptoms", [])) & p[lab["id"]]["symptoms"]) for lab in labels)
        table[name] = {
            "cause_right": (right, len(causal)),
            "broken_called_healthy": (all_clear, len(broken)),
            "symptom_recall": (found, len(exp)),
            "calm_with_finding": (calm_fp, len(calm)),
            "not_symptom_violations": (viol, len(labels)),
        }
    pr = list(parse.values())
    table["parse"] = {
        "runs_right": (sum(x["runs"] for x in pr), len(pr)),
        "epochs_right": (sum(x["epochs"] for x in pr), len(pr)),
        "values_right": (sum(x["values"] for x in pr), len(pr)),
    }

    bins = reliability(labels, preds["logsense"])
    by_split = {name: reliability([lab for lab in labels if lab["split"] == name], preds["logsense"])
                for name in ("dev", "heldout")}

    wrong = []
    for lab in labels:
        pl = preds["logsense"][lab["id"]]
        miss = [s for s in lab["symptoms"] if s not in pl["symptoms"]]
        extra = sorted(set(lab.get("not_symptoms", [])) & pl["symptoms"])
        if not lab["broken"] and pl["symptoms"]:
            extra = sorted(set(extra) | pl["symptoms"])
        cause_bad = lab["cause"] in KNOWN_CAUSES and pl["cause"] != lab["cause"]
        if cause_bad or miss or extra or pl.get("error"):
            wrong.append({"id": lab["id"], "expected": {"cause": lab["cause"], "symptoms": lab["symptoms"]},
                          "got": {"cause": pl["cause"], "symptoms": sorted(pl["symptoms"]),
                                  "missed": miss, "false": extra}})
    bad_parse = [{"id": i, **v} for i, v in parse.items() if not (v["runs"] and v["epochs"] and v["values"])]
    return {"n": len(labels), "table": table, "reliability": bins, "reliability_by_split": by_split,
            "wrong": wrong, "errors": errors, "parse_failures": bad_parse}


def reliability(labels: list[dict], preds: dict) -> list[list[float]]:
    """Per confidence bin (fifths): [posts, right, sum of confidences] for the top cause, on posts whose
    label is a known cause id."""
    bins = [[0, 0, 0.0] for _ in range(5)]
    for lab in labels:
        pl = preds[lab["id"]]
        c = pl.get("confidence")
        if c is None or lab["cause"] not in KNOWN_CAUSES:
            continue
        b = min(int(float(c) * 5), 4)
        bins[b][0] += 1
        bins[b][1] += int(pl["cause"] == lab["cause"])
        bins[b][2] += float(c)
    return bins


def calibration_error(bins: list[list[float]]) -> float | None:
    """Expected calibration error: the post-weighted mean |fraction right - mean confidence| over the bins."""
    n = sum(b[0] for b in bins)
    if not n:
        return None
    return sum(abs(b[1] / b[0] - b[2] / b[0]) * b[0] for b in bins if b[0]) / n


def _fmt(pair) -> str:
    a, b = pair
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else f"{a}/{b}"


def print_report(split: str, res: dict, seconds: float) -> None:
    t = res["table"]
    print(f"real posts, split={split}: {res['n']} posts ({seconds:.1f} s)\n")
    rows = [("(a) top cause right", "cause_right"), ("(b) broken called healthy", "broken_called_healthy"),
            ("(c) expected symptoms found", "symptom_recall"), ("(d) calm posts with a finding", "calm_with_finding"),
            ("(d) not_symptoms violated", "not_symptom_violations")]
    print(f"{'':32}" + "".join(f"{s:>20}" for s in SYSTEMS))
    for title, key in rows:
        print(f"{title:32}" + "".join(f"{_fmt(t[s][key]):>20}" for s in SYSTEMS))
    print("\n(e) parse (logsense.parse, shared by all three):")
    for key, pair in t["parse"].items():
        print(f"    {key:14} {_fmt(pair)}")
    tables = {split: res["reliability"]} if split != "all" else {"all": res["reliability"],
                                                                    **res["reliability_by_split"]}
    for name, bins in tables.items():
        ece = calibration_error(bins)
        print(f"\nlogsense top-cause confidence reliability ({name}"
              + (f", expected calibration error {ece:.3f}" if ece is not None else "") + "):")
        print(f"    {'bin':10}{'n':>5}{'right':>8}{'mean conf':>11}")
        for i, (n, r, c) in enumerate(bins):
            frac = f"{r / n:.2f}" if n else "-"
            conf = f"{c / n:.2f}" if n else "-"
            print(f"    {i / 5:.1f}-{(i + 1) / 5:.1f}   {n:>5}{frac:>8}{conf:>11}")
    print(f"\nposts logsense gets wrong ({len(res['wrong'])}):")
    for w in res["wrong"]:
        e, g = w["expected"], w["got"]
        note = []
        if w["got"]["missed"]:
            note.append("missed " + ",".join(w["got"]["missed"]))
        if w["got"]["false"]:
            note.append("false " + ",".join(w["got"]["false"]))
        print(f"    {w['id']:44} expected {e['cause']!s:26} got {g['cause']!s:26} {'; '.join(note)}")
    if res["parse_failures"]:
        print(f"\nparse mismatches ({len(res['parse_failures'])}):")
        for p in res["parse_failures"]:
            print(f"    {p['id']:44} runs {p.get('got_runs')} epochs {p.get('got_epochs')}"
                  f"{'' if p.get('values', False) else ' values differ'}")
    if res["errors"]:
        print(f"\nerrors ({len(res['errors'])}):")
        for i, e in res["errors"].items():
            print(f"    {i}: {e}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = ap.parse_args(argv)
    labels = load_labels(args.split)
    t0 = time.perf_counter()
    res = score(labels)
    dt = time.perf_counter() - t0
    if args.json:
        res["seconds"] = round(dt, 2)
        print(json.dumps(res, indent=1, default=list))
    else:
        print_report(args.split, res, dt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
