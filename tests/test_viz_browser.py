"""The browser app in a real headless Chromium (Debian's chromium + chromium-driver, Selenium).

`traineeflow viz` is started on a free loopback port; the page must load, run steps (the map
and status change every month, the yearly charts after the next August), and log no errors in
the browser console. Set TRAINEEFLOW_VIZ_SCREENSHOT=path to keep a screenshot (docs/viz.png).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
BROWSER, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "experiments.cli", "viz", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        pytest.fail("the viz server did not answer within 90 s")
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # uvicorn waits for open sessions: do not wait for it
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    assert BROWSER and DRIVER, "needs Debian's chromium and chromium-driver (.ci/run installs them)"
    opts = Options()
    opts.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1500,1000")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield driver
    driver.quit()


def _state(driver) -> tuple[str, list[str]]:
    status = driver.find_element(By.CSS_SELECTOR, ".traineeflow-status").text
    images = [img.get_attribute("src") for img in driver.find_elements(By.TAG_NAME, "img")]
    return status, images


def _button(driver, label: str):
    """The enabled button with this label, once the page shows it (labels change on redraw)."""

    def find(d):
        found = [b for b in d.find_elements(By.TAG_NAME, "button") if b.text == label]
        return found[0] if found and found[0].is_enabled() else False

    return WebDriverWait(driver, 60, poll_frequency=0.2).until(find)


def test_page_loads_runs_and_figures_change(server, browser):
    driver = browser
    driver.get(server)
    wait = WebDriverWait(driver, 90, poll_frequency=0.2)
    wait.until(lambda d: len(_state(d)[1]) == 2 and "Aug 2023" in _state(d)[0])
    status0, (map0, charts0) = _state(driver)
    widths = [
        int(i.get_attribute("naturalWidth")) for i in driver.find_elements(By.TAG_NAME, "img")
    ]
    assert min(widths) > 300, widths  # both figures are drawn images, not broken links

    frame_times = []
    for month in ("Sep 2023", "Oct 2023", "Nov 2023"):
        start = time.monotonic()
        _button(driver, "STEP").click()
        wait.until(lambda d, m=month: m in _state(d)[0])
        frame_times.append(time.monotonic() - start)
    status1, (map1, charts1) = _state(driver)
    assert map1 != map0  # the map is redrawn every month
    assert charts1 == charts0  # the yearly charts wait for the next August snapshot

    _button(driver, "▶").click()  # play until the next August snapshot redraws the charts
    wait.until(lambda d: _state(d)[1][1] != charts0)
    _button(driver, "❚❚").click()
    status2, _ = _state(driver)
    assert any(f"{m} 2024" in status2 for m in ("Aug", "Sep", "Oct", "Nov", "Dec"))

    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    shot = os.environ.get("TRAINEEFLOW_VIZ_SCREENSHOT")
    if shot:  # for docs/: a few more years, so the charts have a shape
        _button(driver, "▶").click()
        WebDriverWait(driver, 300).until(lambda d: "Sep 2029" in _state(d)[0])
        _button(driver, "❚❚").click()
        time.sleep(3)
        driver.save_screenshot(shot)
    print(f"step-to-redraw seconds: {[round(t, 2) for t in frame_times]}")
