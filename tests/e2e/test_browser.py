"""End to end: the real server on localhost, driven by a real headless browser.

Starts ``streamlit run streamlit_app.py`` on a free port (diagnosis in its
worker processes, as shipped) and walks it in Debian's chromium through
Playwright (never a downloaded browser): open -> the verdict for the default
seed -> upload a real Keras capture -> paste a log -> re-run with a set-up ->
the share link reopens the same diagnosis -> at 800 px no chart is clipped
(element sizes asserted; screenshots saved under docs/) -> a 20 MB upload shows
its progress and can be cancelled. Skips, saying why, only when chromium or the
playwright package is missing.
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
DOCS = ROOT / "docs"
CAPTURE = ROOT / "fixtures" / "keras" / "keras3" / "scalar_lr_0.01" / "pipe.txt"
CHROMIUM = os.environ.get("LOGSENSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STARTUP_SECONDS = 90
#: The first page load starts the worker processes; on a busy 2-CPU machine that takes a while.
DIAGNOSIS_MS = 240_000
PASTE = "".join(f"Epoch {e}/6\n10/10 [==============================] - 0s 2ms/step - loss: {2.0 * 2.16 ** e:.4f}\n"
                for e in range(1, 7))

sys.path.insert(0, str(Path(__file__).resolve().parent))


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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium (or set LOGSENSE_CHROMIUM)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (the test extra)")
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = dict(os.environ, LOGSENSE_PAGE_WORKERS="1")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_page(browser, url: str, width: int = 1400, offline: list[str] | None = None):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    if offline is not None:  # record every request that leaves this machine
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
                else offline.append(r.url))
    page.goto(url)
    return page


def verdict(page):
    from playwright.sync_api import expect

    box = page.locator(".st-key-verdict")
    expect(box).to_be_visible(timeout=DIAGNOSIS_MS)
    return box


def no_exception(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("[data-testid='stException']")).to_have_count(0)


def test_the_walk_from_a_seed_to_a_shared_link(server, browser):
    from playwright.sync_api import expect

    outside: list[str] = []
    page = open_page(browser, server, offline=outside)
    # Open: the default seed's verdict, its number and the replay's state, before the cards.
    box = verdict(page)
    expect(box).to_contain_text("Run 1")
    expect(box).to_contain_text("2.161")
    expect(box).to_contain_text("confirmed")
    expect(page.locator(".st-key-top-cause")).to_contain_text("lr_too_high")
    no_exception(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(DOCS / "page-1400.png"))

    # Upload a real capture.
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(CAPTURE))
    expect(page.get_by_text("Showing pipe.txt")).to_be_visible(timeout=DIAGNOSIS_MS)
    expect(verdict(page)).to_contain_text("Run 0")
    no_exception(page)

    # Paste a log.
    page.locator(".st-key-paste textarea").fill(PASTE)
    page.get_by_role("button", name="Diagnose pasted text").click()
    expect(page.get_by_text("Showing pasted text")).to_be_visible(timeout=DIAGNOSIS_MS)
    expect(verdict(page)).to_contain_text("diverges")

    # Re-run with a set-up: the learning rate the log ran with.
    page.locator(".st-key-ov-lr input").fill("0.02")
    page.get_by_role("button", name="Re-run").click()
    expect(page.get_by_text("Diagnosed with: lr=0.02")).to_be_visible(timeout=DIAGNOSIS_MS)
    page.wait_for_function("() => window.location.search.includes('log=') && window.location.search.includes('lr=')",
                           timeout=30_000)
    link = page.url

    # The share link, opened by someone else, shows the same diagnosis.
    other = open_page(browser, link, offline=outside)
    expect(other.get_by_text("Showing pasted text")).to_be_visible(timeout=DIAGNOSIS_MS)
    expect(other.get_by_text("Diagnosed with: lr=0.02")).to_be_visible(timeout=DIAGNOSIS_MS)
    assert verdict(other).inner_text() == verdict(page).inner_text()
    no_exception(other)
    other.close()
    page.close()
    assert outside == [], f"the page asked the internet for {outside[:5]}"


def test_at_800_px_nothing_is_clipped(server, browser):
    from playwright.sync_api import expect

    page = open_page(browser, server + "/?sample=seed-003", width=800)
    verdict(page)
    card = page.locator(".st-key-top-cause")
    expect(card).to_be_visible(timeout=DIAGNOSIS_MS)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(DOCS / "page-800.png"))
    charts = page.locator("[data-testid='stVegaLiteChart']")
    expect(charts.first).to_be_visible(timeout=DIAGNOSIS_MS)
    card.locator("[data-testid='stVegaLiteChart']").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(DOCS / "page-800-replay.png"))
    main = page.locator("[data-testid='stMain']").bounding_box()
    sizes = []
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():  # inside a tab not shown or a closed expander
            continue
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        sizes.append((box["width"], box["height"]))
        assert box["width"] >= 300 and box["height"] >= 150, f"chart {i} is {box['width']}x{box['height']} px"
        assert box["x"] + box["width"] <= main["x"] + main["width"] + 1, f"chart {i} runs off the page"
    assert sizes, "no chart was drawn"
    # Button labels are read whole: no "P"/"S" stubs.
    for name in ("PNG", "SVG", "Re-run"):
        button = page.locator("[data-testid='stDownloadButton'] button, [data-testid='stFormSubmitButton'] button",
                              has_text=name).first
        button.scroll_into_view_if_needed(timeout=30_000)
        box = button.bounding_box()
        assert box is not None and box["width"] >= 40, f"the {name} button is {box and box['width']} px wide"
    no_exception(page)
    page.close()


def test_a_20_mb_upload_shows_progress_and_can_be_cancelled(server, browser, tmp_path):
    from biglog import build
    from playwright.sync_api import expect

    big = tmp_path / "big.log"
    build(big, 20)
    page = open_page(browser, server)
    verdict(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(big))
    expect(page.get_by_text("Showing big.log")).to_be_visible(timeout=DIAGNOSIS_MS)
    progress = page.locator(".st-key-progress")
    expect(progress).to_be_visible(timeout=DIAGNOSIS_MS)
    # The old log's results are gone at once: no verdict under the new file's name.
    expect(page.locator(".st-key-verdict")).to_have_count(0, timeout=30_000)
    expect(progress).to_contain_text("MB read", timeout=DIAGNOSIS_MS)
    expect(progress).to_contain_text("training runs found", timeout=DIAGNOSIS_MS)
    page.screenshot(path=str(DOCS / "page-progress.png"))
    progress.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Cancelled: big.log was not diagnosed")).to_be_visible(timeout=60_000)
    expect(page.locator(".st-key-progress")).to_have_count(0, timeout=30_000)
    no_exception(page)
    page.close()


def test_the_dark_theme_is_respected(server, browser):
    page = browser.new_page(viewport={"width": 1000, "height": 900}, color_scheme="dark")
    page.goto(server)
    verdict(page)
    page.wait_for_timeout(1500)
    rgb = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor")
    r, g, b = (int(x) for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    assert (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 < 0.3, f"the page stayed light in a dark browser: {rgb}"
    page.screenshot(path=str(DOCS / "page-dark.png"))
    no_exception(page)
    page.close()
