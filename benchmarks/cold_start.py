"""Cold start: how long ``logsense diagnose <seed>`` takes in a fresh process (issue 16: <= 0.5 s).

Each command runs in a new interpreter, ``--repeat`` times in turn; the medians are printed beside
``python -c pass`` measured in the same run (the floor no import can go under) with the ratio to
it, and the peak RSS of the last run of each (from the kernel's rusage of the child).
Children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` unset), as an installed
package runs; a first run writes the ``__pycache__`` and warms the page cache.

    python benchmarks/cold_start.py [--repeat 5] [--seed fixtures/seeds/003_....txt]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "fixtures" / "seeds").glob("*.txt"))
GOAL_S = 0.5


#: The children's environment: a user's install has its bytecode compiled.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _once(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of ``argv`` in a fresh process."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, ENV, file_actions=[
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed with {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_maxrss / 1024  # KB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", default=str(SEEDS[0]))
    args = ap.parse_args()
    cli = [sys.executable, "-m", "logsense", "diagnose", args.seed]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import logsense": [sys.executable, "-c", "import logsense"],
        "logsense parse seed": [sys.executable, "-m", "logsense", "parse", args.seed],
        "logsense diagnose seed": cli,
    }
    for argv in commands.values():  # warm the page cache and write __pycache__
        subprocess.run(argv, capture_output=True, check=True, env=ENV)
    times: dict[str, list[float]] = {name: [] for name in commands}
    rss: dict[str, float] = {}
    for _ in range(args.repeat):  # interleaved, so a busy moment of the machine hits every command alike
        for name, argv in commands.items():
            elapsed, peak = _once(argv)
            times[name].append(elapsed)
            rss[name] = peak
    floor = statistics.median(times["python -c pass"])
    print(f"seed: {Path(args.seed).name}; {args.repeat} runs each, interleaved; goal: diagnose <= {GOAL_S} s")
    print(f"{'command':<26}{'median s':>10}{'min s':>8}{'x pass':>8}{'peak RSS MB':>13}")
    for name in commands:
        med = statistics.median(times[name])
        print(f"{name:<26}{med:>10.3f}{min(times[name]):>8.3f}{med / floor:>8.1f}{rss[name]:>13.0f}")
    load = os.getloadavg()[0]
    print(f"load average (1 min) {load:.2f} on {os.cpu_count()} CPUs; "
          f"children's total CPU {resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.1f} s user")


if __name__ == "__main__":
    main()
