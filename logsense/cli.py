"""Command line: ``logsense parse|diagnose|scan``; exit codes 0 (read), 1 (``--fail-on`` matched), 2 (unusable).

Exit codes are part of the contract (docs/contract.md), so a CI job can gate on them.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .context.overrides import OVERRIDES, Override
from .errors import UnusableInput


def _argument(spec: Override):  # type: ignore[no-untyped-def]
    """An argparse type for one set-up field: its own check, its message on a bad value."""
    def parse(text: str):  # type: ignore[no-untyped-def]
        try:
            return spec.check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = spec.key
    return parse


EXIT_CODES = """exit codes:
  0  the input was read (even when nothing was recognised, which the output says)
  1  diagnose --fail-on matched a symptom or cause
  2  unusable input (missing file, binary data) or bad arguments, with a one-line message on stderr"""

EXAMPLES = """examples:
  logsense diagnose train.log                       the verdict, the runs and the ranked causes
  logsense diagnose train.log --json                the JSON document (docs/contract.md)
  python train.py 2>&1 | logsense diagnose -        read standard input
  logsense diagnose post.txt --lr 0.01 --batch-size 32   the set-up the log ran with, if the text lacks it
  logsense diagnose train.log --fail-on divergence --fail-on nan   exit 1 in CI when training blew up
  logsense diagnose train.log --fail-on any         exit 1 on any problem
  logsense parse train.log --json                   runs, epochs, steps and callback events
  logsense scan 'logs/**/*.log' --out runs.parquet  one table row per run (.parquet, .csv or .xlsx)
"""

#: What ``--fail-on`` accepts besides a symptom or cause id.
ANY = "any"
#: ``--out`` extensions ``scan`` writes, and the module each needs.
TABLE_WRITERS = {".parquet": "pyarrow", ".csv": None, ".xlsx": "openpyxl"}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("logsense")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "unknown (not installed)"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata costs ~30 ms cold)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show the program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _positive_int(flag: str):  # type: ignore[no-untyped-def]
    """An argparse type for a count: a positive whole number, the message naming ``flag``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1 or str(value) != text.strip().lstrip("+"):
            raise argparse.ArgumentTypeError(f"{flag} must be a positive whole number, got {text!r}")
        return value
    parse.__name__ = flag
    return parse


def _table_path(text: str) -> str:
    """``--out``: a .parquet, .csv or .xlsx path (xlsx only when openpyxl is installed), checked before the scan."""
    suffix = Path(text).suffix.lower()
    if suffix not in TABLE_WRITERS:
        raise argparse.ArgumentTypeError(f"--out must end in .parquet, .csv or .xlsx, got {text!r}")
    needs = TABLE_WRITERS[suffix]
    if needs is not None:
        import importlib.util

        if importlib.util.find_spec(needs) is None:
            raise argparse.ArgumentTypeError(f"writing {suffix} needs {needs} (pip install {needs}); "
                                             f"or use --out {Path(text).with_suffix('.csv').name}")
    return text


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="logsense", description="Read Keras training logs and diagnose them.",
                                epilog=EXAMPLES + "\n" + EXIT_CODES, formatter_class=raw)
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("parse", help="parse a log into runs, epochs, steps and events", formatter_class=raw,
                        epilog="examples:\n  logsense parse train.log\n  logsense parse train.log --json\n\n"
                        + EXIT_CODES)
    pp.add_argument("file", help="a log file, or - for standard input")
    pp.add_argument("--json", action="store_true", help="print the JSON document")
    pd_ = sub.add_parser("diagnose", help="find symptoms and rank their causes", formatter_class=raw,
                         epilog=EXAMPLES + "\n" + EXIT_CODES)
    pd_.add_argument("file", help="a log file, or - for standard input")
    pd_.add_argument("--json", action="store_true", help="print the JSON document")
    pd_.add_argument("--fail-on", action="append", default=[], metavar="SYMPTOM|CAUSE|any",
                     help="exit 1 when this symptom is found or this cause is a run's top cause "
                          "('any': any run with a problem); repeat or separate by commas")
    for spec in OVERRIDES:
        pd_.add_argument(spec.flag, type=_argument(spec), dest=spec.key, default=None,
                         help=f"override {spec.help} read from the text")
    ps = sub.add_parser("scan", help="parse and diagnose many logs; one table row per run", formatter_class=raw,
                        epilog="examples:\n  logsense scan logs/\n  logsense scan 'runs/**/*.log' --out table.csv "
                        "--jobs 2\n\n" + EXIT_CODES)
    ps.add_argument("paths", nargs="+", help="files, directories or globs")
    ps.add_argument("--out", type=_table_path,
                    help="write the table to this .parquet, .csv or .xlsx file, by its extension (default: print it)")
    ps.add_argument("--jobs", type=_positive_int("--jobs"), default=None,
                    help="local worker processes, a positive whole number (default: CPUs)")
    ps.add_argument("--dask", metavar="ADDRESS", default=None, help="run on an existing Dask cluster")
    return p


def _read(file: str):
    if file == "-":
        return sys.stdin.buffer  # read incrementally, like a file
    from pathlib import Path
    return Path(file)


#: Files at least this large get a progress bar (on a terminal's stderr only).
PROGRESS_BYTES = 16 << 20


def _progress_bar(file: str):
    """A bar on stderr while a large file is read; None when stderr is not a terminal."""
    import os

    try:
        if file == "-" or not sys.stderr.isatty() or os.path.getsize(file) < PROGRESS_BYTES:
            return None
    except OSError:
        return None
    shown = [-1]

    def show(fraction: float) -> None:
        percent = int(100 * fraction)
        if percent != shown[0]:
            shown[0] = percent
            filled = percent * 30 // 100
            end = "\n" if percent >= 100 else ""
            print(f"\r[{'=' * filled}{'.' * (30 - filled)}] {percent:3d}% read", end=end, file=sys.stderr,
                  flush=True)
    return show


def main(argv: Sequence[str] | None = None) -> int:
    # A command's process ends when the command does: what the package import made lives until then,
    # so the cyclic collector need never walk it again (a cold start spent ~30 ms doing so).
    gc.freeze()
    try:
        return _main(argv)
    except BrokenPipeError:  # `logsense diagnose big.log | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "scan":
        return _scan(args)
    fail_on: list[str] = []
    if args.command == "diagnose" and args.fail_on:
        fail_on = _fail_on_ids(parser, args.fail_on)
    from .api import diagnose, parse
    try:
        log = parse(_read(args.file), progress=_progress_bar(args.file))
    except UnusableInput as exc:
        print(f"logsense: {exc}", file=sys.stderr)
        return 2
    if args.command == "parse":
        if args.json:
            print(json.dumps(log.to_dict(), ensure_ascii=False))
        else:
            print(_parse_summary(log))
        return 0
    overrides = {spec.key: getattr(args, spec.key) for spec in OVERRIDES if getattr(args, spec.key) is not None}
    report = diagnose(log, **overrides)
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else report.to_text())
    matched = fail_on_matches(report, fail_on)
    if matched:
        print("logsense: --fail-on matched: " + "; ".join(matched), file=sys.stderr)
        return 1
    return 0


def _fail_on_ids(parser: argparse.ArgumentParser, given: list[str]) -> list[str]:
    """The ``--fail-on`` ids, each a symptom, a cause or ``any``; a bad one exits 2 naming the choices."""
    from .causes.base import CAUSES
    from .detect import DETECTORS

    symptoms = sorted({d.symptom for d in DETECTORS})
    causes = sorted(c for c in CAUSES if c != "healthy")
    ids = [part.strip() for item in given for part in item.split(",") if part.strip()]
    for i in ids:
        if i != ANY and i not in symptoms and i not in causes:
            parser.error(f"argument --fail-on: {i!r} is not a symptom ({', '.join(symptoms)}), "
                         f"a cause ({', '.join(causes)}) or 'any'")
    return ids


def fail_on_matches(report, ids: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """What each ``--fail-on`` id matched in ``report``: ``any`` a run (or the paste) with a problem,
    a symptom any finding of it, a cause a run's (or the paste's) top cause; empty when nothing did."""
    from .verdict import RunStatus

    out = []
    top: dict[str, list[str]] = {}
    for run, status in zip(report.log.runs, report.statuses):
        if status is RunStatus.PROBLEM:
            top.setdefault(report.index.covering(run.index)[0].cause, []).append(f"run {run.index}")
        elif status is RunStatus.UNEXPLAINED:
            top.setdefault("unexplained", []).append(f"run {run.index}")
    if not report.log.runs:
        for c in report.causes:
            if c.cause != "healthy":
                top.setdefault(c.cause, []).append("the paste")
                break
    for i in dict.fromkeys(ids):
        if i == ANY:
            if report.verdict:
                out.append(f"any: {len(report.verdict)} problem(s)")
        elif i in top:
            out.append(f"{i} on {', '.join(top[i][:5])}" + (f" and {len(top[i]) - 5} more" if len(top[i]) > 5 else ""))
        else:
            where = sorted({"the paste" if f.run is None else f"run {f.run}" for f in report.findings if f.symptom == i})
            if where:
                out.append(f"{i} in {', '.join(where[:5])}" + (f" and {len(where) - 5} more" if len(where) > 5 else ""))
    return out


def _scan(args) -> int:
    from .scan import scan, write_table

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            width = 30
            filled = int(width * done / max(total, 1))
            print(f"\r[{'=' * filled}{'.' * (width - filled)}] {done}/{total} files", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)

    import os

    if args.out and not os.path.isdir(os.path.dirname(os.path.abspath(args.out))):  # said before the work
        print(f"logsense: cannot write {args.out}: its directory does not exist", file=sys.stderr)
        return 2
    table = scan(args.paths, jobs=args.jobs, dask_address=args.dask, progress=progress)
    if table.empty:
        print("logsense: no files matched " + " ".join(args.paths), file=sys.stderr)
        return 2
    if args.out:
        try:
            if args.out.lower().endswith(".xlsx"):
                table.to_excel(args.out, index=False)
            else:
                write_table(table, args.out)
        except OSError as exc:
            print(f"logsense: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"{len(table)} row(s) from {table['file'].nunique()} file(s) written to {args.out}")
    else:
        print(printable(table).to_string(index=False))
    return 0


#: How a missing value reads in every table the CLI prints.
MISSING = ""


def printable(table):  # type: ignore[no-untyped-def]
    """The table with one spelling for a missing value (`MISSING`), whatever pandas held
    (``<NA>``, ``NaN``, ``None``); a number that is really not finite stays ``nan``/``inf``."""
    import pandas as pd

    out = table.astype(object)
    return out.where(pd.notna(out), MISSING)


def _parse_summary(log) -> str:
    lines = [f"{len(log.runs)} run(s)" + (f", encoding {log.encoding}" if log.encoding else "")]
    for run in log.runs:
        m = run.meta
        lines.append(f"run {run.index}: {len(run.epoch_records)} epochs, {len(run.step_records)} steps, "
                     f"{len(run.events)} events, format {m.get('format')}, verbose {m.get('verbose')}, "
                     f"locale {m.get('locale')}")
        if not run.epochs.empty:
            lines.append(run.epochs.to_string(index=False, max_rows=20))
    for p in log.predictions:
        lines.append(f"predictions at line {p.line}: shape {p.shape}{' (rows elided)' if p.elided else ''}")
    if log.unparsed:
        lines.append(f"{len(log.unparsed)} log-like line(s) not understood, first at line {log.unparsed[0][0]}")
    for w in log.warnings:
        lines.append(f"note: {w}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
