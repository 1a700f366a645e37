"""Headless Chromium for browser tests: Debian's ``chromium`` and ``chromium-driver``.

Selenium drives the system chromedriver through an explicit ``Service``, so
Selenium Manager never downloads a browser or a driver. Tests call
:func:`skip_reason` first and skip cleanly when Chromium is not installed.
"""

from __future__ import annotations

import base64
import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--hide-scrollbars",
)
PAGE_LOAD_TIMEOUT_S = 60
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def chromium_binary() -> str | None:
    """Path of the Chromium executable, or None."""
    for path in CHROMIUM_CANDIDATES:
        if Path(path).is_file():
            return path
    found = shutil.which("chromium")
    return found


def skip_reason() -> str | None:
    """Why browser tests cannot run here (None when they can)."""
    if chromium_binary() is None:
        return "Chromium is not installed (apt-get install -y chromium chromium-driver)"
    if not Path(CHROMEDRIVER).is_file():
        return f"chromedriver not found at {CHROMEDRIVER} (apt-get install -y chromium-driver)"
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (pip install selenium)"
    return None


@contextmanager
def chromium(
    profile_dir: Path, *, width: int = 1280, height: int = 900, mobile: bool = False
) -> Iterator[Any]:
    """A headless Chromium WebDriver with browser console logging enabled.

    Parameters
    ----------
    profile_dir : Path
        Fresh folder for the user data directory.
    width, height : int
        Window size (CSS pixels).
    mobile : bool
        Emulate a phone (small viewport, device scale factor 2, touch).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium_binary() or CHROMIUM_CANDIDATES[0]
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.add_argument(f"--window-size={width},{height}")
    if mobile:
        options.add_experimental_option(
            "mobileEmulation",
            {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}},
        )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_S)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[dict[str, Any]]:
    """Browser console entries at level SEVERE (errors), since the last call."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def resource_urls(driver: Any) -> list[str]:
    """Every URL the page fetched (Resource Timing) plus the page's own."""
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat(performance.getEntriesByType('navigation').map(e => e.name));"
    )
    return list(names)


def broken_images(driver: Any) -> list[str]:
    """Alt texts (or src prefixes) of images that did not decode."""
    return list(
        driver.execute_script(
            "return Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.alt || i.src.slice(0, 60));"
        )
    )


def wait_for_images(driver: Any) -> None:
    """Wait until every image has been decoded (so screenshots show them)."""
    driver.set_script_timeout(PAGE_LOAD_TIMEOUT_S)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)))"
        ".then(() => done(true));"
    )


def screenshot(driver: Any, path: Path, *, full_page: bool = False) -> Path:
    """Save a PNG screenshot (the whole page when ``full_page``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wait_for_images(driver)
    if not full_page:
        driver.save_screenshot(str(path))
        return path
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
