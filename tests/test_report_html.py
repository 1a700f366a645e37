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


def test_athletes_answers_are_shown_escaped(long_run) -> None:
    """User-entered fields (web upload page) reach report.html as text, never as markup."""
    report = copy.deepcopy(long_run.report)
    script = "<script>alert(1)</script>"
    attr = '"><img src=x onerror=alert(1)>'
    report["athlete"] = {
        "name": f"Ann {script}",
        "height_cm": 172.0,
        "shoe_km": 640.0,
        "surface": attr,
        "training_changes": "more hills\n" + script,
        "where_it_hurts": f"lower back {attr}",
    }
    page = build_html(report=report, plots=[], images=[], video_files=[])
    assert "<script" not in page and "<img src=x" not in page and "onerror=alert(1)>" not in page
    answers = page.split('id="athlete"', 1)[1].split("</section>", 1)[0]
    for label, text in (
        ("Runner", f"Ann {script}"),
        ("Height", "172 cm"),
        ("Shoe age", "640 km"),
        ("Surface", attr),
        ("Recent training changes", "more hills\n" + script),
        ("Where it hurts", f"lower back {attr}"),
    ):
        assert f"<dt>{label}</dt><dd>{esc(text)}</dd>" in answers
    assert "Belt speed" not in answers  # not given, not shown
    assert f"<title>Running form report · {esc('Ann ' + script)}</title>" in page
    checker = _parse(page)
    assert checker.errors == [] and checker.stack == []
    assert "".join(checker.text).count(script) == 3  # the text, as the reader sees it


def test_a_number_given_as_text_is_shown_as_text(long_run) -> None:
    """A caller of the Python API passing height as text got a ValueError at the HTML
    stage, after the whole analysis; it is shown (escaped) as given."""
    report = copy.deepcopy(long_run.report)
    height = '180"><img src=x>'
    report["athlete"] = {"height_cm": height, "shoe_km": 640}
    page = build_html(report=report, plots=[], images=[], video_files=[])
    answers = page.split('id="athlete"', 1)[1].split("</section>", 1)[0]
    assert f"<dt>Height</dt><dd>{esc(height)}</dd>" in answers
    assert "<dt>Shoe age</dt><dd>640 km</dd>" in answers


def test_report_without_athlete_answers_has_no_athlete_section(page: str) -> None:
    assert 'id="athlete"' not in page
    assert "<title>Running form report</title>" in page


def test_long_run_table_sits_before_the_plots(long_run) -> None:
    report = copy.deepcopy(long_run.report)
    report["long_run"] = {
        "windows": [
            {"index": 0, "start_s": 0.0, "end_s": 20.0, "strides": 9, "trunk_lean_deg": 5.04,
             "shank_angle_deg": None, "cadence_spm": 171.4, "from_checkpoint": False},
            {"index": 1, "start_s": 3590.0, "end_s": 3610.0, "strides": 8, "trunk_lean_deg": 7.0,
             "shank_angle_deg": 9.96, "cadence_spm": 168.6, "from_checkpoint": True},
        ],
        "analysed_share": 0.011,
        "video_duration_s": 3725.0,
    }  # fmt: skip
    page = build_html(
        report=report, plots=all_plots(long_run.report, long_run.clips), images=[], video_files=[]
    )
    section = page.split('id="long-run"', 1)[1].split("</section>", 1)[0]
    assert page.index('id="long-run"') < page.index('id="plots"')
    # 2 windows, 1.1 % of 1:02:05; times as m:ss or h:mm:ss
    assert "2 windows cover 1 % of 1:02:05" in section
    rows = re.findall(r"<tr>(.*?)</tr>", section)[1:]
    cells = [re.findall(r"<td>(.*?)</td>", r) for r in rows]
    assert cells == [
        ["1", "0:00–0:20", "9", "5.0°", "–°", "171", "computed"],
        ["2", "59:50–1:00:10", "8", "7.0°", "10.0°", "169", "resumed"],
    ]


def test_the_shared_stylesheet_is_inlined_and_fetches_nothing(page: str) -> None:
    from formcheck.report.templating import STYLESHEET

    css = STYLESHEET.read_text(encoding="utf-8")
    assert "</" not in css and "url(" not in css and "@import" not in css
    assert f"<style>{css}</style>" in page  # verbatim: not escaped, not changed


def test_report_renders_without_django_settings(tmp_path) -> None:
    """formcheck analyze needs no web configuration: the template engine runs standalone,
    and neither importing formcheck nor rendering a page configures Django."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    report = copy.deepcopy(synthetic_run(duration_s=8.0).report)
    report["athlete"] = {"name": "<b>Bo</b>", "height_cm": 181.0}
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    code = (
        "import json, sys\n"
        "import formcheck\n"
        "from django.conf import settings\n"
        "assert not settings.configured\n"
        "from formcheck.report.html import build_html\n"
        "report = json.load(open(sys.argv[1], encoding='utf-8'))\n"
        "page = build_html(report=report, plots=[], images=[], video_files=[])\n"
        "assert not settings.configured\n"
        "sys.stdout.write(page)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "report.json")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "<dt>Runner</dt><dd>&lt;b&gt;Bo&lt;/b&gt;</dd>" in done.stdout
    assert "<dt>Height</dt><dd>181 cm</dd>" in done.stdout
