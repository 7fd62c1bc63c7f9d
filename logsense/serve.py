"""Diagnosis for a page that serves many people: worker processes, a bounded queue, a cache, a budget.

Parsing and diagnosing are CPU-bound Python; run in a web server's threads they
hold the interpreter, so one 20 MB paste slows every other session. `Analyzer`
runs them in worker processes instead (`concurrent.futures.ProcessPoolExecutor`)
and keeps the server's threads for drawing pages:

* two lanes: small inputs (a forum post, a seed) and big ones each have their
  own workers, so a seed never waits behind a 20 MB paste;
* a bounded queue: a lane holding `max_pending` jobs refuses more with a
  message (`Busy`) instead of growing without end;
* results cached by content hash (the input's bytes and the set-up), shared by
  every session, so a second visitor with the same log waits for nothing;
* a work budget per request: at most `budget_bytes` of input and `budget_runs`
  runs diagnosed (the rest are named in a warning), checked while reading;
* progress (bytes read, training starts seen) and Cancel through two small
  files per job, which the worker writes and checks between chunks.

With ``workers=0`` everything runs inline in the caller (tests, notebooks).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

#: Inputs up to this size go to the small lane.
SMALL_BYTES = 1 << 20
#: Jobs waiting or running per lane before new ones are refused.
MAX_PENDING = 16
#: Most input bytes one request may hand in, and most runs diagnosed for it.
BUDGET_BYTES = 64 << 20
BUDGET_RUNS = 20_000
#: Reports kept in the shared cache.
CACHE_ENTRIES = 64
#: How the worker counts training starts while reading (a console ``Epoch 1/N`` header).
_START = re.compile(rb"(?m)^\s*Epoch 0*1/\d+")


class Cancelled(Exception):
    """The person asked to stop (Cancel, or a new input replaced this one)."""


class Busy(Exception):
    """The lane's queue is full: try again in a moment."""


class OverBudget(Exception):
    """The request asks for more work than one request may have."""


@dataclass
class Progress:
    """What a running job has done: bytes read of the total, training starts seen, the phase."""

    read: int = 0
    total: int = 0
    runs: int = 0
    phase: str = "queued"
    diagnosed: int = 0  # runs whose symptoms are found, while diagnosing

    @property
    def fraction(self) -> float:
        if self.phase == "diagnosing":
            return min(1.0, self.diagnosed / self.runs) if self.runs else 0.0
        return min(1.0, self.read / self.total) if self.total else 0.0


@dataclass
class Outcome:
    """A finished job: the report, or the message that replaces it; ``seconds`` of worker time."""

    report: Any = None
    error: str | None = None
    kind: str = "ok"  # ok | unusable | cancelled | budget | failed
    seconds: float = 0.0


@dataclass
class Job:
    key: str
    future: Future
    size: int
    folder: Path | None = None
    started: float = field(default_factory=time.monotonic)

    def done(self) -> bool:
        return self.future.done()


def content_key(data: bytes | str, overrides: tuple[tuple[str, Any], ...] = ()) -> str:
    """The cache key of a request: the input's bytes and the set-up it is diagnosed with.

    Example:
        >>> content_key("Epoch 1/1") == content_key(b"Epoch 1/1"), content_key("a") == content_key("a", (("lr", 1),))
        (True, False)
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    h = hashlib.sha256(raw)
    h.update(repr(tuple(overrides)).encode())
    return h.hexdigest()[:32]


class _Reader(io.RawIOBase):
    """A binary stream over the input that reports progress and honours Cancel while it is read."""

    def __init__(self, raw: bytes, folder: Path | None, budget_runs: int) -> None:
        self.buf = io.BytesIO(raw)
        self.total = len(raw)
        self.folder = folder
        self.runs = 0
        self.budget_runs = budget_runs
        self.last = 0.0
        self.tail = b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.buf.seek(pos, whence)

    def tell(self) -> int:
        return self.buf.tell()

    def readinto(self, b: Any) -> int:
        data = self.buf.read(len(b))
        b[: len(data)] = data
        chunk = self.tail + data
        self.runs += len(_START.findall(chunk)) - len(_START.findall(self.tail))
        self.tail = data[-64:]
        check(self.folder)
        now = time.monotonic()
        if now - self.last > 0.2 or not data:
            self.last = now
            report_progress(self.folder, Progress(self.buf.tell(), self.total, self.runs, "reading"))
        return len(data)


def check(folder: Path | None) -> None:
    """Raise `Cancelled` when the job's cancel flag is set."""
    if folder is not None and (folder / "cancel").exists():
        raise Cancelled()


def report_progress(folder: Path | None, p: Progress) -> None:
    if folder is None:
        return
    tmp = folder / "progress.tmp"
    tmp.write_text(f"{p.read} {p.total} {p.runs} {p.phase} {p.diagnosed}")
    os.replace(tmp, folder / "progress")


def read_progress(folder: Path | None) -> Progress:
    try:
        read, total, runs, phase, diagnosed = (folder / "progress").read_text().split()  # type: ignore[operator]
        return Progress(int(read), int(total), int(runs), phase, int(diagnosed))
    except (OSError, TypeError, ValueError):
        return Progress()


def analyse(data: bytes | str, overrides: tuple[tuple[str, Any], ...] = (), folder: str | None = None,
            budget_runs: int = BUDGET_RUNS) -> Outcome:
    """Parse and diagnose one input (in a worker, or inline): an `Outcome`, never an exception."""
    import logsense

    start = time.process_time()
    where = Path(folder) if folder else None
    try:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
        if len(raw) > SMALL_BYTES:
            log = logsense.parse(io.BufferedReader(_Reader(raw, where, budget_runs), 1 << 20))
        else:
            check(where)
            log = logsense.parse(data)
        check(where)
        report_progress(where, Progress(len(raw), len(raw), len(log.runs), "diagnosing"))
        if len(log.runs) > budget_runs:
            log.warnings.append(f"{len(log.runs)} runs: only the first {budget_runs} are diagnosed "
                                f"(the page's work budget per request)")
            log.runs = log.runs[:budget_runs]
        def diagnosed(done: int, total: int) -> None:  # Cancel also stops a diagnosis of many runs
            check(where)
            if done % 50 == 0 or done == total:
                report_progress(where, Progress(len(raw), len(raw), total, "diagnosing", done))

        watch = {"on_run": diagnosed} if where is not None else {}  # inline (no job folder): nothing to watch
        report = logsense.diagnose(log, **watch, **dict(overrides))
        return Outcome(report, seconds=time.process_time() - start)
    except Cancelled:
        return Outcome(error="cancelled", kind="cancelled", seconds=time.process_time() - start)
    except logsense.UnusableInput as exc:
        return Outcome(error=str(exc), kind="unusable", seconds=time.process_time() - start)
    except ValueError as exc:  # a bad override reaching diagnose
        return Outcome(error=str(exc), kind="unusable", seconds=time.process_time() - start)
    except Exception as exc:  # noqa: BLE001 - the page explains, it never shows a traceback
        return Outcome(error=f"{type(exc).__name__}: {exc}", kind="failed", seconds=time.process_time() - start)


def _watch_parent(parent: int) -> None:
    """In a worker: leave when the server that started it is gone (killed, restarted), instead of
    finishing an orphaned 20 MB diagnosis nobody will read."""
    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="logsense-parent-watch", daemon=True).start()


def _warm() -> int:
    """Import the pipeline in a fresh worker so the first request does not pay for it."""
    import logsense
    import logsense.causes
    import logsense.detect

    return len(logsense.diagnose({"loss": [1.0, 0.5, 0.25]}).findings)


class Analyzer:
    """The page's diagnosis service (one per server process; see the module docstring)."""

    def __init__(self, workers: int = 1, max_pending: int = MAX_PENDING, budget_bytes: int = BUDGET_BYTES,
                 budget_runs: int = BUDGET_RUNS, cache_entries: int = CACHE_ENTRIES) -> None:
        self.workers = workers
        self.max_pending = max_pending
        self.budget_bytes = budget_bytes
        self.budget_runs = budget_runs
        self.cache_entries = cache_entries
        self._cache: OrderedDict[str, Outcome] = OrderedDict()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.RLock()
        self._pools: dict[str, ProcessPoolExecutor] = {}
        self._tmp = Path(tempfile.mkdtemp(prefix="logsense-jobs-"))
        if workers > 0:
            for lane in ("small", "big"):
                self._start(lane)

    def _start(self, lane: str) -> None:
        # spawn, never fork: the server has live threads. A spawned worker imports the parent's main
        # script as __mp_main__ (streamlit_app.py guards its page() against that).
        self._pools[lane] = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                                initializer=_watch_parent, initargs=(os.getpid(),))
        for _ in range(self.workers):
            self._pools[lane].submit(_warm)

    # ------------------------------------------------------------- requests
    def submit(self, data: bytes | str, overrides: tuple[tuple[str, Any], ...] = ()) -> Job:
        """Start (or join, or answer from the cache) the diagnosis of ``data``."""
        size = len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)
        if size > self.budget_bytes:
            raise OverBudget(f"the input is {size / 2**20:.1f} MB; one request may hand in up to "
                             f"{self.budget_bytes / 2**20:.0f} MB")
        key = content_key(data, overrides)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                done: Future = Future()
                done.set_result(hit)
                return Job(key, done, size)
            job = self._jobs.get(key)
            if job is not None and not job.done():
                return job  # the same log asked for twice (two sessions, a rerun): one job
            lane = "small" if size <= SMALL_BYTES else "big"
            if self.workers <= 0:
                future: Future = Future()
                future.set_result(analyse(data, overrides, None, self.budget_runs))
                job = Job(key, future, size)
            else:
                pending = sum(1 for j in self._jobs.values() if not j.done() and
                              (j.size <= SMALL_BYTES) == (lane == "small"))
                if pending >= self.max_pending:
                    raise Busy(f"{pending} diagnoses are already waiting; try again in a moment")
                folder = Path(tempfile.mkdtemp(dir=self._tmp))
                try:
                    future = self._pools[lane].submit(analyse, data, overrides, str(folder), self.budget_runs)
                except BrokenProcessPool:  # a worker died (out of memory, killed): start the lane again
                    self._start(lane)
                    future = self._pools[lane].submit(analyse, data, overrides, str(folder), self.budget_runs)
                job = Job(key, future, size, folder)
            self._jobs[key] = job
            future.add_done_callback(lambda f, k=key: self._finished(k, f))
            return job

    def progress(self, job: Job) -> Progress:
        if job.done():
            return Progress(job.size, job.size, 0, "done")
        return read_progress(job.folder)

    def cancel(self, job: Job) -> None:
        """Stop a job: a queued one never starts, a running one stops at its next chunk read or
        its next run diagnosed, and its worker is free for the next job."""
        if job.future.cancel():
            return
        if job.folder is not None:
            try:
                (job.folder / "cancel").touch()
            except OSError:
                pass

    def result(self, job: Job, timeout: float | None = None) -> Outcome:
        return job.future.result(timeout=timeout)

    # -------------------------------------------------------------- internal
    def _finished(self, key: str, future: Future) -> None:
        with self._lock:
            job = self._jobs.pop(key, None)
            if future.cancelled():
                return
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed)
                outcome = Outcome(error=f"the worker stopped ({type(exc).__name__}: {exc})", kind="failed")
            if outcome.kind in ("ok", "unusable"):  # cancelled and failed jobs are not remembered
                self._cache[key] = outcome
                while len(self._cache) > self.cache_entries:
                    self._cache.popitem(last=False)
        if job is not None and job.folder is not None:
            for name in ("progress", "progress.tmp", "cancel"):
                try:
                    (job.folder / name).unlink()
                except OSError:
                    pass
            try:
                job.folder.rmdir()
            except OSError:
                pass

    def close(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=False, cancel_futures=True)
