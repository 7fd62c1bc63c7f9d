"""Server CPU per cache-hit seed page run: the part of a page load no worker process can take.

One command::

    python benchmarks/page_cpu.py [--repeats 3] [--profile]

Opens each seed (``?sample=seed-00N``) in a fresh AppTest session, in-process
and with the diagnosis inline, once to fill the cache, then ``--repeats``
times more, and prints the script thread's CPU time (``time.thread_time``:
repeatable on a busy machine, unlike wall time) per seed and the median.
With twenty sessions on two CPUs this is what queues up in the server's
threads under the GIL, so it bounds the page_load.py figures from below.
``--profile`` adds a cProfile of one more round, sorted by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [f"seed-00{i}" for i in range(5)]
#: Run by AppTest in place of the page: the page's own code, timed on the script thread.
WRAPPER = """
import sys, time
rec = sys.modules["_page_cpu"]
t = time.thread_time()
if rec.profile is not None:
    rec.profile.enable()
try:
    exec(rec.code, {"__name__": "__main__", "__file__": rec.path})
finally:
    if rec.profile is not None:
        rec.profile.disable()
    rec.times.append(time.thread_time() - t)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    os.environ["LOGSENSE_PAGE_WORKERS"] = "0"
    sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    app = ROOT / "streamlit_app.py"
    rec = sys.modules["_page_cpu"] = types.ModuleType("_page_cpu")
    rec.path, rec.times, rec.profile = str(app), [], None
    rec.code = compile(app.read_text(), str(app), "exec")  # Streamlit keeps the script's bytecode too
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "page.py"
        wrapper.write_text(WRAPPER)

        def load(seed: str) -> None:
            at = AppTest.from_file(str(wrapper), default_timeout=120)
            at.query_params["sample"] = seed
            at.run()
            if at.exception:
                raise SystemExit(f"{seed}: {at.exception}")

        for seed in SEEDS:  # diagnoses cached, chart specs and tables kept on the shared reports
            load(seed)
        rec.times.clear()
        for _ in range(args.repeats):
            for seed in SEEDS:
                load(seed)
        for j, seed in enumerate(SEEDS):
            print(f"{seed}  {statistics.median(rec.times[j::len(SEEDS)]) * 1000:6.1f} ms")
        print(f"median  {statistics.median(rec.times) * 1000:6.1f} ms CPU per cache-hit page run "
              f"(n={len(rec.times)}, load avg {os.getloadavg()[0]:.1f})")
        if args.profile:
            rec.profile = cProfile.Profile()
            for seed in SEEDS:
                load(seed)
            pstats.Stats(rec.profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
