"""Regenerate the README images from a sample clip (never from real footage).

Run: ``python tools/readme_images.py`` (needs Debian's chromium). Writes
``docs/img/report_top.png`` (headless Chromium screenshot of report.html)
and ``docs/img/annotated_frame.png`` (a frame of annotated.mp4 at a contact).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import cv2

from formcheck.analysis import AnalysisOptions
from formcheck.capture.video import iter_frames, probe_video
from formcheck.config import Config
from formcheck.pipeline import analyze_run

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clip", default="overstrider", help="sample clip name")
    args = parser.parse_args()
    out_img = ROOT / "docs" / "img"
    out_img.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        analyze_run(
            [ROOT / "sample_videos" / f"{args.clip}.mp4"],
            config=Config(),
            options=[AnalysisOptions()],
            out_dir=out,
        )
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            raise SystemExit("chromium not found: apt-get install chromium")
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp}/profile",
                f"--screenshot={out_img / 'report_top.png'}",
                "--window-size=1000,1300",
                (out / "report.html").as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        report = json.loads((out / "report.json").read_text())
        usable = [c for c in report["contacts"] if c["usable"] and c["leg"] == "near"]
        target = usable[len(usable) // 2]["ic_frame"] if usable else 0
        for frame in iter_frames(probe_video(out / "annotated.mp4")):
            if frame.index == target:
                cv2.imwrite(
                    str(out_img / "annotated_frame.png"), cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR)
                )
                break
    print(f"wrote {out_img / 'report_top.png'} and {out_img / 'annotated_frame.png'}")


if __name__ == "__main__":
    main()
