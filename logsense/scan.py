"""Screen many logs at once: one table row per run, computed locally or on a Dask cluster.

The per-file work (`scan_file`) is a plain function of a path so that the same code runs in a
local process pool and on Dask workers; both paths return identical rows.
"""
from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

#: Columns of the scan table, in order.
COLUMNS = ["file", "run", "format", "locale", "epochs", "symptoms", "top_cause", "confidence",
           "confirmed", "error"]


def expand(patterns: Iterable[str]) -> list[str]:
    """Paths and globs (``**`` allowed) to a sorted list of files; directories are walked.

    A directory is entered at most once per pattern, so a symlink cycle (``a -> .``) is not
    followed; directories that cannot be read are skipped (`find_files` lists them).
    """
    return find_files(patterns)[0]


def find_files(patterns: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The files `expand` lists, and (directory, reason) for each directory that could not be read."""
    files: set[str] = set()
    unreadable: list[tuple[str, str]] = []
    for pat in patterns:
        p = Path(pat)
        if _isdir(pat):
            files.update(_glob(os.path.join(str(p), "**", "*"), unreadable, hidden=True))
        elif os.path.isfile(p):
            files.add(str(p))
        else:
            files.update(_glob(pat, unreadable))
    return sorted(files), unreadable


def _isdir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


def _glob(pattern: str, unreadable: list[tuple[str, str]], hidden: bool = False) -> Iterator[str]:
    """The files ``pattern`` matches, as ``glob.glob(pattern, recursive=True)`` spells them, but
    ``**`` enters each directory once (by device and inode): two links to ``.`` made glob walk
    2^40 paths. ``hidden``: wildcards match names starting with a dot too."""
    if pattern.endswith(("/", os.sep)):  # glob matches directories only: no files
        return iter(())
    drive, rest = os.path.splitdrive(pattern)
    parts = rest.replace(os.sep, "/").split("/") if os.sep != "/" else rest.split("/")
    root = drive + ("/" if rest.startswith(("/", os.sep)) else "")
    parts = [part for part in parts if part]
    literal: list[str] = []
    while parts and not glob.has_magic(parts[0]):
        literal.append(parts.pop(0))
    if not parts:  # no wildcard at all: the path itself, if it is a file
        path = root + "/".join(literal) if literal else root
        return iter([path] if path and os.path.isfile(path) else [])
    base = root + "/".join(literal) if literal else root
    seen: set[tuple[int, int]] = set()
    key = _dir_key(base or ".")
    if key is not None:
        seen.add(key)
    return _match(base, parts, seen, unreadable, hidden)


def _dir_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _entries(path: str, unreadable: list[tuple[str, str]]) -> list[os.DirEntry]:
    try:
        with os.scandir(path or ".") as it:
            return list(it)
    except OSError as exc:
        unreadable.append((path or ".", exc.strerror or str(exc)))
        return []


def _join(base: str, name: str) -> str:
    return base + name if not base or base.endswith("/") else base + "/" + name


def _is(entry: os.DirEntry, kind: str) -> bool:
    try:
        return entry.is_dir() if kind == "dir" else entry.is_file()
    except OSError:
        return False


def _match(base: str, parts: list[str], seen: set[tuple[int, int]], unreadable: list[tuple[str, str]],
           hidden: bool) -> Iterator[str]:
    part, rest = parts[0], parts[1:]
    if part == "**":
        if not rest:
            rest = ["*"]
        yield from _match(base, rest, seen, unreadable, hidden)  # ** as no directory at all
        for entry in _entries(base, unreadable):
            if (hidden or not entry.name.startswith(".")) and _is(entry, "dir"):
                sub = _join(base, entry.name)
                key = _dir_key(sub)
                if key is None or key in seen:  # a cycle, or a directory already walked
                    continue
                seen.add(key)
                yield from _match(sub, parts, seen, unreadable, hidden)
        return
    if not glob.has_magic(part):
        path = _join(base, part)
        if rest:
            if _isdir(path):
                yield from _match(path, rest, seen, unreadable, hidden)
        elif os.path.isfile(path):
            yield path
        return
    for entry in _entries(base, unreadable):
        if entry.name.startswith(".") and not (hidden or part.startswith(".")):
            continue
        if not fnmatch.fnmatchcase(entry.name, part):
            continue
        path = _join(base, entry.name)
        if rest:
            if _is(entry, "dir"):
                yield from _match(path, rest, seen, unreadable, hidden)
        elif _is(entry, "file"):
            yield path


def scan_file(path: str) -> list[dict[str, Any]]:
    """Parse and diagnose one file; never raises (a bad file becomes a row with ``error``)."""
    from .api import diagnose, parse
    from .errors import UnusableInput

    try:
        log = parse(Path(path))
        report = diagnose(log)
    except UnusableInput as exc:
        return [_row(path, error=str(exc))]
    except Exception as exc:  # noqa: BLE001 - a bug must not stop a nightly scan of thousands of files
        return [_row(path, error=f"internal error: {type(exc).__name__}: {exc}")]
    rows = []
    for run in log.runs:
        symptoms = sorted({f.symptom for f in report.run_findings.get(run.index, [])} |
                          {f.symptom for f in report.log_findings if run.index in f.runs})
        causes = [c for c in report.causes if run.index in c.runs]
        top = causes[0] if causes else None
        rows.append(_row(path, run=run.index, format=run.meta.get("format"), locale=run.meta.get("locale"),
                         epochs=len(run.epoch_records), symptoms=",".join(symptoms),
                         top_cause=top.cause if top else None,
                         confidence=round(float(top.confidence), 4) if top else None,
                         confirmed=bool(top.confirmed) if top else False))
    if not rows:
        symptoms = sorted({f.symptom for f in report.log_findings})
        top = report.top_cause
        nothing = not log.predictions  # a config, a notebook, prose: say so rather than leave a blank row
        rows.append(_row(path, epochs=0, symptoms=",".join(symptoms), top_cause=top.cause if top else None,
                         confidence=round(float(top.confidence), 4) if top else None,
                         confirmed=bool(top.confirmed) if top else False,
                         error="no Keras training output or predictions recognised" if nothing else None))
    return rows


def scan(patterns: Sequence[str], *, jobs: int | None = None, dask_address: str | None = None,
         progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Scan files matching ``patterns`` and return the table (one row per run).

    Args:
        patterns: paths, directories or globs.
        jobs: local worker processes (default: the number of CPUs; 1 runs in this process).
        dask_address: scheduler address of an existing Dask cluster (needs the ``dask`` extra).
        progress: called with (files done, files total).
    """
    files, unreadable = find_files(patterns)
    total = len(files)
    results: list[list[dict[str, Any]]] = []
    if dask_address is not None:
        results = _scan_dask(files, dask_address, progress)
    elif (jobs or os.cpu_count() or 1) <= 1 or total <= 1:
        for i, f in enumerate(files, 1):
            results.append(scan_file(f))
            if progress:
                progress(i, total)
    else:
        with ProcessPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
            for i, rows in enumerate(pool.map(scan_file, files, chunksize=4), 1):
                results.append(rows)
                if progress:
                    progress(i, total)
    flat = [row for rows in results for row in rows]
    flat += [_row(path, error=f"cannot read the directory: {reason}") for path, reason in unreadable]
    table = pd.DataFrame.from_records(flat, columns=COLUMNS)
    # Files without runs have no run index: a nullable integer keeps 0, 1, ... from printing as 0.0, 1.0.
    return table.astype({"run": "Int64", "epochs": "Int64"})


def write_table(df: pd.DataFrame, out: str) -> None:
    """Write the scan table as Parquet (``.parquet``, needs pyarrow) or CSV (anything else)."""
    if out.endswith(".parquet"):
        try:
            df.to_parquet(out, index=False)
        except ImportError as exc:
            raise SystemExit(f"logsense: writing Parquet needs pyarrow ({exc}); use --out table.csv") from None
    else:
        df.to_csv(out, index=False)


def _scan_dask(files: list[str], address: str, progress: Callable[[int, int], None] | None):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SystemExit("logsense: --dask needs the dask extra: pip install 'logsense[dask]'") from None
    with Client(address) as client:
        futures = client.map(scan_file, files, pure=False)
        order = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(files)
        for done, fut in enumerate(as_completed(futures), 1):
            results[order[fut.key]] = fut.result()
            if progress:
                progress(done, len(files))
    return results


def _row(path: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(file=path, epochs=0, symptoms="", confirmed=False)
    row.update(values)
    return row
