"""Headless Chromium against ``formcheck serve``: coach logs in, makes an upload link; the
athlete uploads in a second browser and watches the status; the coach steps frames, seeks
from a finding, adds a note, shares; a third browser opens the share link and sees the note.

The worker runs the stand-in analysis (tests.web.fake_analysis: the upload is the
"annotated" video, made-up contacts), since this test is about the pages; the real
pipeline's end-to-end run is test_end_to_end.py. Screenshots go to test-artifacts/web/.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests import browser

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_videos" / "efficient.mp4"
SHOTS = browser.ARTIFACTS / "web"
PASSWORD = "browser-test-passphrase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Any:
    reason = browser.skip_reason()
    if reason:
        pytest.skip(reason)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.web.worker_settings",
        FORMCHECK_FAKE="slow",
        FORMCHECK_FAKE_S="4",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    env.pop("FORMCHECK_DATA", None)
    env.pop("FORMCHECK_REDIS_URL", None)
    data = tmp_path / "data"
    cli = [sys.executable, "-m", "formcheck"]
    subprocess.run(
        [*cli, "coach", "add", "coach@example.org", "--password-stdin", "--data", str(data)],
        input=PASSWORD + "\n", text=True, env=env, cwd=ROOT, check=True, timeout=120,
    )  # fmt: skip
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--data", str(data)],
        env=env, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)


def _wait(driver: Any, script: str, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for: {script}")


def _find(driver: Any, css: str, timeout_s: float = 60) -> Any:
    """The element once it exists (pages load slowly on a busy machine)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout_s).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def _readout_frame(driver: Any) -> int:
    time.sleep(0.4)  # let requestVideoFrameCallback report the presented frame
    return int(driver.execute_script("return document.querySelector('.readout').dataset.frame"))


def test_coach_athlete_and_share_in_chromium(server: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with browser.chromium(tmp_path / "coach") as coach:
        coach.get(server + "/")
        assert "/login" in coach.current_url
        coach.find_element(By.NAME, "username").send_keys("coach@example.org")
        coach.find_element(By.NAME, "password").send_keys(PASSWORD + Keys.ENTER)
        _wait(coach, "return !location.pathname.startsWith('/login')")
        _find(coach, "input[name=name]").send_keys("Ana" + Keys.ENTER)
        _wait(coach, "return location.pathname.startsWith('/athletes/')")
        athlete_page = coach.current_url
        coach.find_element(By.XPATH, "//button[text()='New upload link']").click()
        link = _find(coach, "#new-link").get_attribute("value")
        assert link and "/u/" in link

        with browser.chromium(tmp_path / "athlete", width=420, height=860, mobile=True) as runner:
            runner.get(link)
            _find(runner, "input[name=height_cm]").send_keys("168")
            runner.find_element(By.CSS_SELECTOR, ".drop[data-role=early] .file").send_keys(
                str(SAMPLE)
            )
            runner.find_element(By.ID, "send").click()
            seen = set()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                text = runner.find_element(By.ID, "state").text
                seen.add(text.split(" (")[0])
                if text.startswith("ready"):
                    break
                time.sleep(0.3)
            browser.screenshot(runner, SHOTS / "athlete_upload.png", full_page=True)
            assert text.startswith("ready"), text
            assert "analysing" in seen or "received" in seen
            assert not browser.console_errors(runner)

        coach.get(athlete_page)
        _find(coach, "tr[data-job-url] a").click()
        _wait(coach, "return document.getElementById('review').dataset.loaded === '1'")
        _wait(coach, "return document.querySelector('video').readyState >= 2")
        body = coach.find_element(By.TAG_NAME, "body")
        for _ in range(3):
            body.send_keys(Keys.ARROW_RIGHT)
        assert _readout_frame(coach) == 3
        body.send_keys(Keys.ARROW_LEFT)
        assert _readout_frame(coach) == 2
        coach.find_element(By.CSS_SELECTOR, "[data-act=next]").click()
        assert _readout_frame(coach) == 3
        evidence = coach.find_element(By.CSS_SELECTOR, ".evidence")
        target = int(evidence.get_attribute("data-frame"))
        evidence.click()
        assert _readout_frame(coach) == target
        shown = coach.execute_script("return document.querySelector('.readout').textContent")
        assert shown == f"{target / 60:.3f} s (frame {target})"
        note = coach.find_element(By.CSS_SELECTOR, ".note-form textarea")
        note.send_keys("<img src=x onerror=window.pwned=1> land under the hips")
        coach.find_element(By.XPATH, "//button[text()='Add note']").click()
        _wait(coach, "return document.querySelectorAll('.notes li').length === 1")
        assert coach.execute_script("return window.pwned === undefined")
        text = coach.find_element(By.CSS_SELECTOR, ".notes li .text").text
        assert text == "<img src=x onerror=window.pwned=1> land under the hips"
        browser.screenshot(coach, SHOTS / "coach_review.png", full_page=True)
        assert not browser.console_errors(coach)
        coach.find_element(By.XPATH, "//button[text()='New share link']").click()
        share = _find(coach, "#new-link").get_attribute("value")

    with browser.chromium(tmp_path / "viewer", width=420, height=860, mobile=True) as viewer:
        viewer.get(share)
        _wait(viewer, "return document.getElementById('review').dataset.loaded === '1'")
        text = viewer.find_element(By.CSS_SELECTOR, ".notes li .text").text
        assert "land under the hips" in text
        assert not viewer.find_elements(By.CSS_SELECTOR, ".note-form")
        browser.screenshot(viewer, SHOTS / "shared_review.png", full_page=True)
