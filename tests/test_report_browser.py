"""report.html and annotated.mp4 in real headless Chromium (Debian's chromium + chromium-driver).

Screenshots go to ``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import pytest

from formcheck.report.html import build_html
from formcheck.report.visual import write_visual_outputs
from tests import browser
from tests.test_report_fixtures import FPS, rendered_video_for, synthetic_run

pytestmark = pytest.mark.browser

_SKIP = browser.skip_reason()
if _SKIP:
    pytest.skip(_SKIP, allow_module_level=True)

from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

RUN_S = 30.0
READY_TIMEOUT_S = 30
PLAY_TIMEOUT_S = 20
DESKTOP = (1280, 900)
PHONE = (390, 844)
VIDEO_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>annotated video</title></head><body style="margin:0;background:#000">
<video id="v" src="{src}" muted autoplay playsinline controls style="max-width:100%"></video>
</body></html>
"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A 30 s synthetic run rendered, analysed, and written with all visual outputs."""
    run = synthetic_run(duration_s=RUN_S)
    folder = tmp_path_factory.mktemp("browser")
    info = rendered_video_for(run, folder / "runner.mp4")
    out = folder / "out"
    out.mkdir()
    write_visual_outputs(
        report=run.report,
        clips=run.clips,
        infos=[info],
        out_dir=out,
        html=True,
        annotated_video=True,
        progress=None,
    )
    return out, info


def _assert_clean_page(driver: Any, expected_images: int) -> None:
    assert browser.console_errors(driver) == []
    urls = browser.resource_urls(driver)
    assert urls, "the page itself should be listed"
    outside = [u for u in urls if not u.startswith(("data:", "file:"))]
    assert outside == [], f"external requests: {outside}"
    browser.wait_for_images(driver)
    assert browser.broken_images(driver) == []
    count = driver.execute_script("return document.images.length")
    assert count == expected_images


def test_report_loads_cleanly_on_desktop(outputs, tmp_path: Path) -> None:
    out, _ = outputs
    page = (out / "report.html").read_text(encoding="utf-8")
    with browser.chromium(tmp_path / "profile", width=DESKTOP[0], height=DESKTOP[1]) as driver:
        driver.get((out / "report.html").as_uri())
        _assert_clean_page(driver, page.count("<img "))
        heading = driver.execute_script("return document.querySelector('h1').innerText")
        assert heading == "Running form report"
        cards = driver.execute_script("return document.querySelectorAll('article.card').length")
        assert cards == 4
        browser.screenshot(driver, browser.ARTIFACTS / "report_desktop_top.png")
        browser.screenshot(driver, browser.ARTIFACTS / "report_desktop_full.png", full_page=True)


def test_report_fits_a_phone(outputs, tmp_path: Path) -> None:
    out, _ = outputs
    page = (out / "report.html").read_text(encoding="utf-8")
    with browser.chromium(
        tmp_path / "profile", width=PHONE[0], height=PHONE[1], mobile=True
    ) as driver:
        driver.get((out / "report.html").as_uri())
        _assert_clean_page(driver, page.count("<img "))
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, f"page is {overflow}px wider than the phone screen"
        browser.screenshot(driver, browser.ARTIFACTS / "report_phone_top.png")
        browser.screenshot(driver, browser.ARTIFACTS / "report_phone_full.png", full_page=True)


def test_annotated_video_plays(outputs, tmp_path: Path) -> None:
    out, info = outputs
    page = out / "video.html"
    page.write_text(VIDEO_PAGE.format(src="annotated.mp4"), encoding="utf-8")
    with browser.chromium(tmp_path / "profile", width=DESKTOP[0], height=DESKTOP[1]) as driver:
        driver.get(page.as_uri())
        WebDriverWait(driver, READY_TIMEOUT_S).until(
            lambda d: (
                d.execute_script(
                    "const v = document.getElementById('v'); return v.error || v.readyState >= 3;"
                )
                is True
            )
        )
        state = driver.execute_script(
            "const v = document.getElementById('v');"
            "return {error: v.error && v.error.code, ready: v.readyState, duration: v.duration,"
            " width: v.videoWidth, height: v.videoHeight};"
        )
        assert state["error"] is None
        assert state["ready"] >= 3
        assert state["duration"] == pytest.approx(info.n_frames / FPS, abs=1.0 / FPS)
        assert state["width"] == info.width
        WebDriverWait(driver, PLAY_TIMEOUT_S).until(
            lambda d: d.execute_script("return document.getElementById('v').currentTime") > 0.2
        )
        first = driver.execute_script("return document.getElementById('v').currentTime")
        time.sleep(0.5)
        second = driver.execute_script("return document.getElementById('v').currentTime")
        assert second > first, "playback should advance"
        driver.execute_script(
            "const v = document.getElementById('v'); v.pause(); v.currentTime = 1.0;"
        )
        time.sleep(0.5)
        assert browser.console_errors(driver) == []
        browser.screenshot(driver, browser.ARTIFACTS / "annotated_video.png")


def test_not_running_page_in_the_browser(tmp_path: Path) -> None:
    report = copy.deepcopy(synthetic_run(duration_s=RUN_S).report)
    report["running"] = False
    report["not_running_reason"] = "no running found: the legs do not cycle"
    path = tmp_path / "not_running.html"
    path.write_text(build_html(report=report, plots=[], images=[], video_files=[]), "utf-8")
    with browser.chromium(tmp_path / "profile", width=PHONE[0], height=PHONE[1], mobile=True) as d:
        d.get(path.as_uri())
        _assert_clean_page(d, 0)
        text = d.execute_script("return document.body.innerText")
        assert "Running not analysed" in text and "the legs do not cycle" in text
        assert d.execute_script("return document.querySelectorAll('article.card').length") == 0
        browser.screenshot(d, browser.ARTIFACTS / "report_not_running.png")
