"""The page's diagnosis service: worker processes, lanes, the cache, the budget, progress and Cancel."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from logsense.serve import Analyzer, Busy, OverBudget, analyse, content_key

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "seeds" / "003_9c859962b7b1f775.txt"


def big_log(tmp_path: Path, megabytes: float) -> bytes:
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from biglog import build

    path = tmp_path / "big.txt"
    build(path, megabytes)
    return path.read_bytes()


def progress_when(service, job, wanted, seconds: float, every: float):
    """The first progress report of a running ``job`` that ``wanted`` accepts, or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not job.done():
        p = service.progress(job)
        if wanted(p):
            return p
        time.sleep(every)
    return None


@pytest.fixture(scope="module")
def service():
    analyzer = Analyzer(workers=1, max_pending=2)
    yield analyzer
    analyzer.close()


def test_inline_analysis_gives_the_report_or_a_message():
    ok = analyse(SEED.read_bytes())
    assert ok.kind == "ok" and ok.report.top_cause.cause == "lr_too_high"
    refused = analyse(b"\x89HDF\r\n\x1a\n\x00\x00\x00\x00" * 64)
    assert refused.kind == "unusable" and "binary" in refused.error


def test_the_cache_key_is_the_content_and_the_set_up():
    data = SEED.read_bytes()
    assert content_key(data) == content_key(data.decode("utf-8"))
    assert content_key(data) != content_key(data, (("lr", 0.004),))


def test_a_seed_is_diagnosed_in_a_worker_and_then_answered_from_the_cache(service):
    data = SEED.read_bytes()
    first = service.result(service.submit(data), timeout=300)
    assert first.kind == "ok" and first.report.top_cause.cause == "lr_too_high"
    start = time.perf_counter()
    again = service.submit(data)
    assert again.done()  # a cache hit is answered without a worker
    assert service.result(again).report is first.report
    assert time.perf_counter() - start < 0.5


def test_a_big_log_reports_progress_and_stops_on_cancel(service, tmp_path):
    data = big_log(tmp_path, 6)
    job = service.submit(data)
    seen = progress_when(service, job, lambda p: p.phase == "reading" and p.read > 0, seconds=240, every=0.2)
    assert seen is not None and seen.total == len(data) and seen.runs > 0
    # A seed is not held up by the big log: it has its own lane.
    small = service.submit(SEED.read_bytes() + b"\n# another paste\n")
    assert service.result(small, timeout=240).kind == "ok"
    assert not job.done()
    service.cancel(job)
    outcome = service.result(job, timeout=240)
    assert outcome.kind == "cancelled"
    assert content_key(data) not in service._cache  # a cancelled job is not remembered


def test_cancel_stops_a_big_log_while_it_is_diagnosed(service, tmp_path):
    data = big_log(tmp_path, 3)
    job = service.submit(data)
    seen = progress_when(service, job, lambda p: p.phase == "diagnosing" and p.diagnosed > 0, seconds=400, every=0.05)
    assert seen is not None, "the diagnosis of a 3 MB log of ~1,300 runs reports runs diagnosed"
    assert 0 < seen.diagnosed <= seen.runs and 0 < seen.fraction <= 1
    service.cancel(job)
    outcome = service.result(job, timeout=120)
    assert outcome.kind == "cancelled"  # stopped at its next run, not after the whole diagnosis
    # The worker is free again: the next paste is answered.
    assert service.result(service.submit(SEED.read_bytes() + b"\n# after cancel\n"), timeout=240).kind == "ok"


def test_diagnose_reports_each_run_and_stops_when_told():
    import logsense

    log = logsense.parse(SEED)
    calls: list[tuple[int, int]] = []
    logsense.diagnose(log, on_run=lambda done, total: calls.append((done, total)))
    assert calls == [(i, len(log.runs)) for i in range(1, len(log.runs) + 1)]

    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    with pytest.raises(Stop):
        logsense.diagnose(log, on_run=stop)


def test_the_queue_is_bounded_and_the_budget_holds(service):
    with pytest.raises(OverBudget, match="MB"):
        Analyzer(workers=0, budget_bytes=100).submit(SEED.read_bytes())
    jobs = []
    with pytest.raises(Busy):
        for i in range(10):  # max_pending=2: the third distinct input waiting is refused
            jobs.append(service.submit(SEED.read_bytes() + f"\n# paste {i}\n".encode()))
    assert len(jobs) == 2
    for job in jobs:
        service.result(job, timeout=300)


def test_too_many_runs_are_cut_to_the_budget_with_a_warning():
    text = "".join(f"Epoch 1/2\n1/1 [====] - 0s - loss: {1 + i}.0\nEpoch 2/2\n1/1 [====] - 0s - loss: {0.5 + i}\n"
                   for i in range(5))
    outcome = Analyzer(workers=0, budget_runs=3).result(Analyzer(workers=0, budget_runs=3).submit(text))
    assert outcome.kind == "ok"
    assert len(outcome.report.log.runs) == 3
    assert any("only the first 3 are diagnosed" in w for w in outcome.report.log.warnings)


def test_workers_leave_when_the_server_is_killed(tmp_path):
    """A killed server must not leave a worker finishing a 20 MB diagnosis for nobody."""
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "server.py"
    script.write_text(
        "import sys, time\n"
        "from logsense.serve import Analyzer\n"
        "if __name__ == '__main__':\n"
        "    a = Analyzer(workers=1)\n"
        "    job = a.submit(open(sys.argv[1], 'rb').read())\n"
        "    while not any(p.pid for p in a._pools['big']._processes.values()):\n"
        "        time.sleep(0.1)\n"
        "    time.sleep(1)\n"
        "    print(' '.join(str(p) for lane in a._pools.values() for p in lane._processes), flush=True)\n"
        "    time.sleep(600)\n")
    data = tmp_path / "big.txt"
    data.write_bytes(big_log(tmp_path, 4))
    proc = subprocess.Popen([sys.executable, str(script), str(data)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for init to reap it is gone too
            return f.read().split()[2] != "Z"

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.5)
    assert not [p for p in pids if alive(p)]
