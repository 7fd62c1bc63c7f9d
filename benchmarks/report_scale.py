"""The report's own cost on a log of thousands of runs: statuses, verdict and terminal text.

A big real-looking log (tests/e2e/biglog.py: the Keras captures concatenated with scaled values)
is diagnosed once; its runs, findings and causes are then replicated to N runs, the shape of a
nightly log of a sweep. Timed against two baselines measured in the same run: the per-run scan
the first version of `logsense.verdict` did (every run reads every cause; timed on a slice and
scaled) and the log's own parse time at the small size, scaled by the number of runs.

    python benchmarks/report_scale.py [--runs 2000 10000] [--megabytes 0.5]
"""
from __future__ import annotations

import argparse
import copy
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import biglog

import logsense
from logsense.log import Log
from logsense.report import Report
from logsense.verdict import covering, open_findings

#: Runs of the slice the per-run scan is timed on (it grows with runs x causes).
SLICE = 500


def replicate(base: Report, copies: int) -> Report:
    """``base`` with its runs, findings and causes repeated ``copies`` times under new run indices."""
    n = len(base.log.runs)
    runs, run_findings, causes, log_findings = [], {}, [], []
    for k in range(copies):
        for r in base.log.runs:
            rr = copy.copy(r)
            rr.index = r.index + k * n
            runs.append(rr)
            run_findings[rr.index] = list(base.run_findings.get(r.index, []))
        for c in base.causes:
            cc = copy.copy(c)
            cc.runs = [x + k * n for x in c.runs]
            causes.append(cc)
        for f in base.log_findings:
            ff = copy.copy(f)
            ff.runs = [x + k * n for x in f.runs]
            log_findings.append(ff)
    causes.sort(key=lambda c: -c.confidence)
    return Report(log=Log(runs=runs, context=base.log.context), run_findings=run_findings,
                  log_findings=log_findings, causes=causes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--megabytes", type=float, default=0.5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.log"
        biglog.build(path, args.megabytes)
        t = time.perf_counter()
        log = logsense.parse(path)
        parse_s = time.perf_counter() - t
        base = logsense.diagnose(log)
    per_run_parse = parse_s / max(len(log.runs), 1)
    print(f"base: {len(log.runs)} runs, {len(base.causes)} causes; parse {parse_s:.2f}s ({per_run_parse * 1e3:.1f} ms/run)")
    print(f"{'runs':>7} {'causes':>7} {'report s':>9} {'scan s':>9} {'scan/report':>12} {'report/parse':>13}")
    for target in args.runs:
        report = replicate(base, max(1, round(target / len(base.log.runs))))
        t = time.perf_counter()
        report.statuses, report.verdict, report.to_text()  # computed for the clock
        report_s = time.perf_counter() - t
        runs = report.log.runs
        t = time.perf_counter()
        for r in runs[:SLICE]:
            open_findings(report.log, report.run_findings, report.log_findings, r.index)
            covering(report.causes, r.index)
        scan_s = (time.perf_counter() - t) * len(runs) / min(SLICE, len(runs))
        print(f"{len(runs):>7} {len(report.causes):>7} {report_s:>9.2f} {scan_s:>9.2f} {scan_s / report_s:>11.0f}x "
              f"{report_s / (per_run_parse * len(runs)):>12.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
