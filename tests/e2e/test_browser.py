"""End to end: the real server on localhost, driven by a real headless browser.

Starts ``streamlit run streamlit_app.py`` on a free port, opens it in
Debian's chromium through Playwright (never a downloaded browser), uploads a
seed post, waits for the top cause card and saves a screenshot in the test's
temporary directory. Skips cleanly when chromium or playwright is missing.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
FIXTURE = ROOT / "fixtures" / "seeds" / "003_9c859962b7b1f775.txt"
CHROMIUM = os.environ.get("LOGSENSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 60
DIAGNOSIS_MS = 90_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS}s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def server(tmp_path):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install playwright)")
    port = free_port()
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_upload_a_log_and_see_the_top_cause(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(server)
            # The page opens on a diagnosed sample; upload replaces it with the file.
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(FIXTURE))
            expect(page.get_by_text(f"Showing {FIXTURE.name}")).to_be_visible(timeout=DIAGNOSIS_MS)
            card = page.locator(".st-key-top-cause")
            expect(card).to_be_visible(timeout=DIAGNOSIS_MS)
            expect(card).to_contain_text("lr_too_high")
            expect(card).to_contain_text("replay confirmed")
            expect(page.locator("[data-testid='stException']")).to_have_count(0)
            page.wait_for_timeout(1500)  # let Vega finish drawing before the picture
            shot = tmp_path / "page.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
