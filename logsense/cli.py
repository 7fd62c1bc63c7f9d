"""Command line: ``logsense parse|diagnose FILE|- [--json]``."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="logsense", description="Read Keras training logs and diagnose them.")
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("parse", help="parse a log into runs, epochs, steps and events")
    pp.add_argument("file", help="a log file, or - for standard input")
    pp.add_argument("--json", action="store_true", help="print the JSON document")
    pd_ = sub.add_parser("diagnose", help="find symptoms and rank their causes")
    pd_.add_argument("file", help="a log file, or - for standard input")
    pd_.add_argument("--json", action="store_true", help="print the JSON document")
    for spec in OVERRIDES:
        pd_.add_argument(spec.flag, type=_argument(spec), dest=spec.key, default=None,
                         help=f"override {spec.help} read from the text")
    ps = sub.add_parser("scan", help="parse and diagnose many logs; one table row per run")
    ps.add_argument("paths", nargs="+", help="files, directories or globs")
    ps.add_argument("--out", help="write the table to this .parquet or .csv file (default: print it)")
    ps.add_argument("--jobs", type=int, default=None, help="local worker processes (default: CPUs)")
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
    args = build_parser().parse_args(argv)
    if args.command == "scan":
        return _scan(args)
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
    return 0


def _scan(args) -> int:
    from .scan import scan, write_table

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            width = 30
            filled = int(width * done / max(total, 1))
            print(f"\r[{'=' * filled}{'.' * (width - filled)}] {done}/{total} files", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)

    table = scan(args.paths, jobs=args.jobs, dask_address=args.dask, progress=progress)
    if table.empty:
        print("logsense: no files matched " + " ".join(args.paths), file=sys.stderr)
        return 2
    if args.out:
        write_table(table, args.out)
        print(f"{len(table)} row(s) from {table['file'].nunique()} file(s) written to {args.out}")
    else:
        print(table.to_string(index=False))
    return 0


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
