"""The HTML report builder, on reports made by the pipeline's analysis from synthetic tracks."""

from __future__ import annotations

import copy
import dataclasses
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from formcheck.report.html import CHECKLIST, EmbeddedImage, build_html, esc
from formcheck.report.keyframes import encode_image, render_keyframe, select_keyframes
from formcheck.report.plots import all_plots
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import synthetic_track
from tests.test_report_fixtures import FPS, SMALL_CAMERA, analyse_tracks, synthetic_run

VOID = {"meta", "img", "input", "br", "hr", "link", "source", "col", "wbr"}
LONG_RUN_S = 30.0


class _TagChecker(HTMLParser):
    """Collects tags, attributes, text, and unbalanced-tag errors."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _TagChecker:
    checker = _TagChecker()
    checker.feed(page)
    checker.close()
    return checker


def _images(run) -> list[EmbeddedImage]:
    """Keyframes rendered on grey frames (their content does not matter here)."""
    out = []
    for spec in select_keyframes(run.report, run.clips):
        frame = np.full((SMALL_CAMERA.height, SMALL_CAMERA.width, 3), 128, np.uint8)
        kf = render_keyframe(frame, spec=spec, clip=run.clips[spec.clip], report=run.report)
        data = encode_image(kf.image, fmt=".jpg")
        h, w = kf.image.shape[:2]
        out.append(
            EmbeddedImage(
                spec.name,
                spec.title,
                kf.caption,
                spec.role,
                spec.findings,
                "image/jpeg",
                data,
                w,
                h,
            )
        )
    return out


@pytest.fixture(scope="module")
def long_run():
    return synthetic_run(duration_s=LONG_RUN_S)


@pytest.fixture(scope="module")
def page(long_run) -> str:
    return build_html(
        report=long_run.report,
        plots=all_plots(long_run.report, long_run.clips),
        images=_images(long_run),
        video_files=["annotated.mp4"],
    )


def test_page_is_well_formed_and_mobile_ready(page: str) -> None:
    checker = _parse(page)
    assert checker.errors == []
    assert checker.stack == []
    assert page.startswith("<!DOCTYPE html>")
    metas = [a for t, a in checker.attrs if t == "meta"]
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    assert any(a.get("charset") == "utf-8" for a in metas)
    assert "@media (max-width:600px)" in page


def test_page_is_self_contained(page: str) -> None:
    checker = _parse(page)
    tags = [t for t, _ in checker.attrs]
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    for tag, attrs in checker.attrs:
        if tag == "img":
            assert (attrs["src"] or "").startswith(("data:image/png;base64,", "data:image/jpeg;"))
            assert int(attrs["width"] or 0) > 0 and int(attrs["height"] or 0) > 0
            assert attrs.get("alt")
        if tag == "a":
            href = attrs.get("href") or ""
            assert href.startswith("#") or href == "annotated.mp4", href
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "url(" not in page  # no CSS fetches either
    csp = next(a for t, a in checker.attrs if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in (csp["content"] or "")


def test_findings_cards_show_status_number_reference_reason_and_cue(long_run, page: str) -> None:
    for f in long_run.report["findings"]:
        card = page.split(f'id="finding-{f["id"]}"', 1)[1].split("</article>", 1)[0]
        assert f'class="badge {f["status"]}"' in card
        assert esc(f["reason"]) in card
        assert esc(f["reference"]) in card
        if f["cue"]:
            assert esc(f["cue"]) in card
    statuses = {f["id"]: f["status"] for f in long_run.report["findings"]}
    assert statuses["late_run_slouch"] == "flag"
    assert statuses["overstride"] == "flag"
    slouch = long_run.report["findings"][3]
    assert f"{slouch['value']:+.1f}° change" in page


def test_dynamics_checklist_method_disclaimer(long_run, page: str) -> None:
    s = long_run.report["summary"]
    assert f"{s['cadence_spm']:.0f} steps/min" in page
    assert "strides/min" not in page
    assert f"{s['contact_time_ms']:.0f} ms (± {s['contact_time_resolution_ms']:.0f} ms" in page
    assert f"{s['duty_factor']:.2f}" in page
    assert "leg lengths" in page and "Knee flexion peak in stance" in page
    assert "Asymmetry" in page
    checklist = page.split('id="checklist"', 1)[1].split("</section>", 1)[0]
    for item in CHECKLIST:
        assert esc(item) in checklist
    assert "400 miles" in checklist and "6 months" in checklist
    assert "finding-" not in checklist  # kept apart from the measured findings
    method = page.split('id="method"', 1)[1]
    m = long_run.report["method"][0]
    assert esc(m["pose_model"]) in method
    assert f"{m['lowpass_cutoff_hz']:.1f} Hz" in method
    merged = f"pulled together on {m['merged_feet_frames_removed']} frames (removed)"
    assert merged in method
    assert "findings.overstride.flag_shank_angle_deg" in method
    assert esc(long_run.report["formcheck_version"]) in method
    assert esc(long_run.report["disclaimer"]) in page


def test_plots_and_keyframes_are_inline(long_run, page: str) -> None:
    for name in ("trunk_lean", "strike_angle", "contact_angles", "posture_trend"):
        assert f'id="plot-{name}"' in page
    for name in ("representative_contact", "flagged_overstride", "early_stride", "late_stride"):
        assert f'id="kf-{name}"' in page
    assert "Early vs late in the run" in page
    assert 'href="#kf-flagged_overstride"' in page  # the card links to its evidence


def test_all_report_text_is_escaped(long_run) -> None:
    report = copy.deepcopy(long_run.report)
    evil = '<script>alert("x")</script> & <img src=x onerror=1>'
    report["findings"][0]["reason"] = evil
    report["findings"][1]["cue"] = evil
    report["warnings"] = [evil]
    report["videos"][0]["path"] = f"/videos/{evil}.mp4"
    page = build_html(report=report, plots=[], images=[], video_files=[])
    assert "<script" not in page and "<img src=x" not in page
    assert page.count(esc(evil)) >= 3
    assert _parse(page).errors == []


def test_not_running_page_says_why_and_has_no_findings() -> None:
    track, _ = synthetic_track(params=RunnerParams(), duration_s=6.0, fps=FPS, camera=SMALL_CAMERA)
    # A person standing still: every frame is the first one, so the legs never cycle.
    track = dataclasses.replace(track, xy_px=np.repeat(track.xy_px[:1], track.n_frames, axis=0))
    report, clips = analyse_tracks([track], offsets=[0.0], path="walk.mp4")
    assert report["running"] is False
    page = build_html(
        report=report,
        plots=all_plots(report, clips),
        images=[],
        video_files=["annotated.mp4"],
    )
    assert "Running not analysed" in page
    assert esc(report["not_running_reason"]) in page
    assert 'id="finding-' not in page and 'class="card' not in page
    assert 'id="plots"' not in page
    assert 'id="method"' in page and esc(report["disclaimer"]) in page
    assert _parse(page).errors == []


def test_short_clip_explains_missing_posture_drift() -> None:
    run = synthetic_run(duration_s=8.0)
    page = build_html(
        report=run.report,
        plots=all_plots(run.report, run.clips),
        images=_images(run),
        video_files=[],
    )
    slouch = next(f for f in run.report["findings"] if f["id"] == "late_run_slouch")
    assert slouch["status"] == "unknown"
    assert "Not measured" in page and esc(slouch["reason"]) in page
    assert 'id="plot-posture_trend"' not in page
    assert "Early vs late" not in page
    assert "Annotated video" not in page
