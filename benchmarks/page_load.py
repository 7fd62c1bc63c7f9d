"""The page under load: 20 sessions opening seeds while one 20 MB paste is being analysed.

One command::

    python benchmarks/page_load.py [--sessions 20] [--loads 3] [--paste /work/scratch/cap20.txt] [--modes workers,gc,inline]

For each mode it starts ``streamlit run streamlit_app.py`` on 127.0.0.1 and
drives it with real Streamlit websocket clients (the ``/_stcore/stream``
protocol the browser speaks: a ``rerun_script`` BackMsg with the query string,
then ForwardMsg deltas read until the script finishes), no browser, so the
clients cost the server nothing a real visitor would not:

1. **baseline**: one session opens the five seeds (``?sample=seed-00N``) one
   after another, ``--loads`` times;
2. **under load**: one session pastes the big log into the text box and
   presses *Diagnose* (through the widgets' own ids); once the server is busy
   with it, ``--sessions`` sessions at once each open ``--loads`` seeds in a
   row (a bounded loop: sessions x loads page loads in all).

Time to diagnosis is from sending the rerun to the first delta carrying the
verdict (``### Verdict``), or the first cause card for a page without one.
Modes: ``workers`` (the page as shipped: diagnosis in worker processes,
``logsense.serve``), ``inline`` (``LOGSENSE_PAGE_WORKERS=0``: the same page
diagnosing in the server's threads, as the page did before) and ``gc``
(as shipped but with Streamlit's default ``runner.postScriptGC``: a full
garbage collection after every script run, which the page's config turns
off). Prints median, p95 and max per mode with the baseline beside them, the
server's CPU seconds per page load and peak RSS, and the load average (the
machine is shared).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"
SEEDS = [f"seed-00{i}" for i in range(5)]
#: Pastes are limited to 20 MiB by the page: the big log is cut to this, at a line end.
PASTE_BYTES = 20 * 2**20 - 4096
LOAD_TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(mode: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, LOGSENSE_PAGE_WORKERS="0" if mode == "inline" else "1")
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--server.maxMessageSize", "200"]
        + (["--runner.postScriptGC", "true"] if mode == "gc" else []),
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"streamlit did not start:\n{log.read_text(errors='replace')}")


class Session:
    """One browser tab's worth of Streamlit protocol."""

    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.ws = None
        self.widgets: dict[str, str] = {}

    async def __aenter__(self) -> Session:
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None,
                                           origin=f"http://{self.url.split('/')[2]}", open_timeout=60)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def rerun(self, query: str = "", widgets: list | None = None) -> tuple[float | None, float]:
        """Send a rerun; seconds to the verdict (None if it never came) and to the last script's end.

        A page still diagnosing shows progress in a fragment that asks the browser to rerun it every
        half second (``auto_rerun``); this client does what the browser does until the verdict shows.
        """
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def back(fragment: str = "") -> bytes:
            msg = BackMsg()
            msg.rerun_script.query_string = query
            msg.rerun_script.page_script_hash = ""
            if fragment:
                msg.rerun_script.fragment_id = fragment
                msg.rerun_script.is_auto_rerun = True
            for w in [] if fragment else (widgets or []):
                msg.rerun_script.widget_states.widgets.append(w)
            return msg.SerializeToString()

        start = time.perf_counter()
        await self.ws.send(back())
        verdict = None
        auto: dict[str, float] = {}
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=LOAD_TIMEOUT)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "markdown" and verdict is None and (
                        el.markdown.body == "### Verdict" or el.markdown.body.startswith("#### 1.")):
                    verdict = time.perf_counter() - start
                if which in ("text_area", "button"):
                    proto = getattr(el, which)
                    if proto.id:
                        self.widgets[_key_of(proto)] = proto.id
            elif kind == "auto_rerun":
                auto[fwd.auto_rerun.fragment_id] = fwd.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in fwd.stop_auto_rerun.fragment_ids:
                    auto.pop(fid, None)
            elif kind == "script_finished":
                if verdict is not None or not auto or time.perf_counter() - start > LOAD_TIMEOUT:
                    return verdict, time.perf_counter() - start
                fragment, interval = next(iter(auto.items()))
                await asyncio.sleep(interval)
                await self.ws.send(back(fragment))


def _key_of(proto: object) -> str:
    """The widget's user key, which Streamlit puts at the end of its element id."""
    wid = getattr(proto, "id", "")
    for key in ("paste_go", "paste"):
        if wid.endswith(f"-{key}") or wid.endswith(key):
            return key
    return wid


async def seed_loads(port: int, loads: int, offset: int, results: list[float], missed: list[str]) -> None:
    for k in range(loads):
        seed = SEEDS[(offset + k) % len(SEEDS)]
        try:
            async with Session(port) as s:
                verdict, _ = await s.rerun(f"sample={seed}")
            if verdict is None:
                missed.append(f"{seed}: no verdict")
            else:
                results.append(verdict)
        except (asyncio.TimeoutError, OSError) as exc:
            missed.append(f"{seed}: {type(exc).__name__}")


async def heavy_paste(port: int, text: str, started: asyncio.Event, done: dict) -> None:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    async with Session(port) as s:
        await s.rerun("sample=seed-003")
        paste, go = s.widgets.get("paste"), s.widgets.get("paste_go")
        if not (paste and go):
            raise SystemExit(f"could not find the paste widgets: {s.widgets}")
        area = WidgetState(id=paste, string_value=text)
        press = WidgetState(id=go, trigger_value=True)
        t0 = time.perf_counter()
        task = asyncio.ensure_future(s.rerun("", [area, press]))
        await asyncio.sleep(3.0)  # the text is across and being read
        started.set()
        try:
            await task
        except asyncio.TimeoutError:
            pass
        done["first_script_seconds"] = time.perf_counter() - t0


async def under_load(port: int, sessions: int, loads: int, text: str) -> tuple[list[float], list[str]]:
    started = asyncio.Event()
    done: dict = {}
    heavy = asyncio.ensure_future(heavy_paste(port, text, started, done))
    await started.wait()
    results: list[float] = []
    missed: list[str] = []
    await asyncio.gather(*(seed_loads(port, loads, i, results, missed) for i in range(sessions)))
    heavy.cancel()
    return results, missed


def server_cpu(pid: int) -> float:
    """CPU seconds the server process (not its worker processes) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def describe(xs: list[float]) -> str:
    if not xs:
        return "no loads finished"
    xs = sorted(xs)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return f"median {statistics.median(xs):6.2f} s  p95 {p95:6.2f} s  max {xs[-1]:6.2f} s  (n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--loads", type=int, default=3)
    ap.add_argument("--paste", type=Path, default=Path("/work/scratch/cap20.txt"))
    ap.add_argument("--modes", default="workers,gc,inline")
    args = ap.parse_args()
    if not args.paste.exists():
        sys.path.insert(0, str(ROOT / "tests" / "e2e"))
        from biglog import build

        build(args.paste, 20)
    raw = args.paste.read_bytes()[:PASTE_BYTES]
    text = raw[: raw.rfind(b"\n") + 1].decode("utf-8", "replace")
    print(f"big paste: {len(text.encode()) / 2**20:.1f} MB from {args.paste}; "
          f"{args.sessions} sessions x {args.loads} seed loads; cpus {os.cpu_count()}")
    for mode in args.modes.split(","):
        port = free_port()
        log = Path(os.environ.get("TMPDIR", "/work/scratch")) / f"page_load_{mode}.log"
        proc = start_server(mode, port, log)
        try:
            warm: list[float] = []
            cold_missed: list[str] = []
            asyncio.run(seed_loads(port, len(SEEDS), 0, warm, cold_missed))  # workers started, seeds cached once
            base: list[float] = []
            cpu0 = server_cpu(proc.pid)
            asyncio.run(seed_loads(port, args.loads * len(SEEDS), 0, base, []))
            cpu_alone = (server_cpu(proc.pid) - cpu0) / max(1, len(base))
            load1 = os.getloadavg()[0]
            results, missed = asyncio.run(under_load(port, args.sessions, args.loads, text))
            print(f"[{mode:7}] first loads (cold)        {describe(warm)}" + (f"  missed {cold_missed}" if cold_missed else ""))
            print(f"[{mode:7}] one session, alone        {describe(base)}  server CPU {cpu_alone * 1000:.0f} ms/load")
            print(f"[{mode:7}] {args.sessions} sessions + 20 MB paste {describe(results)}"
                  + (f"  missed {len(missed)}: {missed[:3]}" if missed else "")
                  + f"  (load avg {load1:.1f} -> {os.getloadavg()[0]:.1f}; server peak RSS {peak_rss_mb(proc.pid):.0f} MB)")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
