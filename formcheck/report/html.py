"""``report.html``: one self-contained page a runner can read and a coach can share.

Everything is inline: CSS in a ``<style>`` element, plots and keyframes as
``data:`` URIs; there is no script and a Content-Security-Policy forbids
loading anything else, so the page opens from disk or an e-mail attachment
and makes no request. All text from the report is escaped. The layout is a
single column on a phone and a grid of cards on a wider screen.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck.report.plots import Plot

FINDING_TITLES = {
    "forward_lean": "Forward lean",
    "heel_strike": "Heel striking",
    "overstride": "Overstriding",
    "late_run_slouch": "Slouching late in the run",
}
STATUS_LABELS = {"ok": "OK", "caution": "Caution", "flag": "Flag", "unknown": "Not measured"}

# What video cannot see (METRICS.md, "What the runner's problem adds").
CHECKLIST = (
    "Shoes: how old are they and how far have they run? Replace them after about 400 miles "
    "(650 km) or 6 months.",
    "Surface: do you run on hard or uneven ground (concrete, cambered roads, trails)?",
    "Recent training changes: a sudden increase in speed, distance, hills or number of runs?",
    "Flexibility: tight hamstrings or hip flexors?",
    "Strength: weak core or back muscles? Tense, raised shoulders when tired?",
    "Pain that persists or gets worse: see a physiotherapist or sports-medicine professional.",
)

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
:root{--ok:#1b7f3b;--caution:#b26a00;--flag:#c62828;--unknown:#666;--bg:#f6f7f9;
--card:#fff;--text:#1d1f23;--muted:#5b616b;--line:#e1e4e8;color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.45;
font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.6rem;margin:.2em 0}h2{font-size:1.25rem;margin:1.6em 0 .5em;
border-bottom:1px solid var(--line);padding-bottom:.2em}h3{font-size:1.05rem;margin:0 0 .3em}
.muted{color:var(--muted);font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,380px),1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--unknown);
border-radius:8px;padding:12px 14px}
.card.ok{border-left-color:var(--ok)}.card.caution{border-left-color:var(--caution)}
.card.flag{border-left-color:var(--flag)}
.badge{display:inline-block;font-size:.8rem;font-weight:700;color:#fff;background:var(--unknown);
border-radius:999px;padding:.1em .7em;vertical-align:middle}
.badge.ok{background:var(--ok)}.badge.caution{background:var(--caution)}
.badge.flag{background:var(--flag)}
.value{font-size:1.6rem;font-weight:700;margin:.2em 0}
.cue{background:#eef5ff;border-radius:6px;padding:.4em .6em;margin:.5em 0}
.ref{font-size:.85rem;color:var(--muted)}
table{border-collapse:collapse;width:100%;background:var(--card);font-size:.95rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
.scroll{overflow-x:auto}
figure{margin:0 0 16px;background:var(--card);border:1px solid var(--line);border-radius:8px;
padding:8px}
figure img{display:block;width:100%;height:auto;border-radius:4px}
figcaption{font-size:.88rem;color:var(--muted);margin-top:6px}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:12px}
.notice{background:#fff8e1;border:1px solid #f0d48a;border-radius:8px;padding:10px 14px}
.stop{background:#fdecea;border:1px solid #f5b7b1;border-radius:8px;padding:14px 16px}
.checklist{list-style:none;padding:0}.checklist li{margin:.4em 0}
.checklist label{display:flex;gap:.6em;align-items:flex-start}
.checklist input{margin-top:.3em;width:1.1em;height:1.1em;flex:none}
.apart{background:var(--card);border:1px dashed #9aa3ad;border-radius:8px;padding:10px 14px}
footer{margin:2em 0 1em;font-size:.85rem;color:var(--muted)}
@media (max-width:600px){main{padding:10px}h1{font-size:1.35rem}.value{font-size:1.35rem}}
"""


@dataclass(frozen=True)
class EmbeddedImage:
    """An image to inline in the page.

    Attributes
    ----------
    name : str
        Anchor id (``kf-<name>``).
    title, caption : str
    role : str
        "representative", "flagged", "early" or "late".
    findings : tuple of str
        Finding ids the image is evidence for.
    mime : str
        ``image/png`` or ``image/jpeg``.
    data : bytes
    width, height : int
    """

    name: str
    title: str
    caption: str
    role: str
    findings: tuple[str, ...]
    mime: str
    data: bytes
    width: int
    height: int


def esc(value: Any) -> str:
    """Escape any value for HTML text or an attribute."""
    return html.escape(str(value), quote=True)


def data_uri(mime: str, data: bytes) -> str:
    """``data:`` URI of bytes."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _img(mime: str, data: bytes, *, alt: str, width: int, height: int) -> str:
    return f'<img src="{data_uri(mime, data)}" alt="{esc(alt)}" width="{width}" height="{height}">'


def _num(value: Any, fmt: str, unit: str = "") -> str:
    """Formatted number with unit, or "not measured"."""
    if value is None:
        return "not measured"
    return f"{value:{fmt}}{unit}"


def _finding_value(f: dict[str, Any]) -> str:
    v = f["value"]
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if f["id"] == "late_run_slouch":
        return f"{v:+.1f}° change"
    return f"{v:.1f}°" if f["unit"] == "deg" else f"{v:.2f} {f['unit']}"


def _finding_card(f: dict[str, Any], images: list[EmbeddedImage]) -> str:
    status = f["status"] if f["status"] in STATUS_LABELS else "unknown"
    title = FINDING_TITLES.get(f["id"], f["id"].replace("_", " "))
    links = ", ".join(
        f'<a href="#kf-{esc(im.name)}">{esc(im.title)}</a>'
        for im in images
        if f["id"] in im.findings
    )
    parts = [
        f'<article class="card {status}" id="finding-{esc(f["id"])}">',
        f'<h3>{esc(title)} <span class="badge {status}">{esc(STATUS_LABELS[status])}</span></h3>',
        f'<div class="value">{esc(_finding_value(f))}</div>',
        f"<p>{esc(f['reason'])}</p>",
    ]
    if f.get("cue"):
        parts.append(f'<p class="cue"><strong>Cue:</strong> {esc(f["cue"])}</p>')
    parts.append(f'<p class="ref"><strong>Reference:</strong> {esc(f["reference"])}</p>')
    if links:
        parts.append(f'<p class="ref">See: {links}</p>')
    parts.append("</article>")
    return "\n".join(parts)


def _findings_section(report: dict[str, Any], images: list[EmbeddedImage]) -> str:
    cards = "\n".join(_finding_card(f, images) for f in report["findings"])
    return (
        '<section id="findings"><h2>Findings</h2>'
        '<p class="muted">Each finding: what was measured, against which reference, and one '
        "thing to try.</p>"
        f'<div class="cards">{cards}</div></section>'
    )


def _dynamics_rows(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    res = s.get("contact_time_resolution_ms")
    contact = _num(s.get("contact_time_ms"), ".0f", " ms")
    if s.get("contact_time_ms") is not None and res is not None:
        contact += f" (± {res:.0f} ms, one frame)"
    vo = _num(s.get("vertical_oscillation_leg_lengths"), ".3f", " leg lengths")
    if s.get("vertical_oscillation_cm") is not None:
        vo += f" ({s['vertical_oscillation_cm']:.1f} cm)"
    rows = [
        (
            "Cadence",
            _num(s.get("cadence_spm"), ".0f", " steps/min"),
            "typical 160-190; about 170 at 3 m/s (Lieberman 2015)",
        ),
        ("Ground contact time", contact, "typical 160-300 ms; elites under 200 ms"),
        (
            "Duty factor",
            _num(s.get("duty_factor"), ".2f"),
            "contact time / stride time; running stays below 0.5",
        ),
        ("Vertical oscillation", vo, "hip midpoint, per stride"),
        (
            "Knee flexion peak in stance",
            _num(s.get("peak_stance_knee_flexion_deg"), ".0f", "°"),
            "about 45°; below 40° is linked to patellofemoral pain subgroups (Souza 2016)",
        ),
        (
            "Trunk lean (median)",
            _num(s.get("trunk_lean_deg"), ".1f", "°"),
            "low-lean runners 3.6 ± 2.8°, high-lean 10.8 ± 2.2° (Teng & Powers 2015)",
        ),
    ]
    if s.get("step_length_m") is not None:
        rows.append(("Step length", _num(s["step_length_m"], ".2f", " m"), "from the belt speed"))
    if s.get("vertical_ratio_percent") is not None:
        rows.append(
            ("Vertical ratio", _num(s["vertical_ratio_percent"], ".1f", " %"), "oscillation / step")
        )
    return (
        rows
        + _asymmetry_rows(s.get("asymmetry") or {})
        + [
            (
                "Measured",
                f"{s.get('strides_measured', 0)} strides, {s.get('contacts_measured', 0)} contacts",
                "near leg first; far leg where visible",
            ),
        ]
    )


def _asymmetry_rows(asym: dict[str, Any]) -> list[tuple[str, str, str]]:
    labels = {
        "contact_time_percent": ("Asymmetry: contact time", ".1f", " %"),
        "strike_angle_difference_deg": ("Asymmetry: strike angle (near - far)", "+.1f", "°"),
        "shank_angle_difference_deg": ("Asymmetry: shank angle (near - far)", "+.1f", "°"),
    }
    return [
        (label, _num(asym[key], fmt, unit), "near vs far leg; the far leg is measured less well")
        for key, (label, fmt, unit) in labels.items()
        if asym.get(key) is not None
    ]


def _table(rows: Iterable[tuple[str, ...]], header: tuple[str, ...]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _dynamics_section(report: dict[str, Any]) -> str:
    rows = _dynamics_rows(report["summary"])
    return (
        '<section id="dynamics"><h2>Running dynamics</h2>'
        + _table(rows, ("Measure", "Value", "Typical / reference"))
        + "</section>"
    )


def _plots_section(plots: list[Plot]) -> str:
    if not plots:
        return ""
    figures = "".join(
        f'<figure id="plot-{esc(p.name)}">'
        + _img("image/png", p.png, alt=p.title, width=p.width, height=p.height)
        + f"<figcaption><strong>{esc(p.title)}.</strong> {esc(p.caption)}</figcaption></figure>"
        for p in plots
    )
    return f'<section id="plots"><h2>Over the run</h2>{figures}</section>'


def _figure(im: EmbeddedImage) -> str:
    return (
        f'<figure id="kf-{esc(im.name)}">'
        + _img(im.mime, im.data, alt=im.title, width=im.width, height=im.height)
        + f"<figcaption><strong>{esc(im.title)}.</strong> {esc(im.caption)}</figcaption></figure>"
    )


def _keyframes_section(images: list[EmbeddedImage]) -> str:
    single = [im for im in images if im.role in ("representative", "flagged")]
    pair = [im for im in images if im.role in ("early", "late")]
    if not images:
        return ""
    parts = ['<section id="keyframes"><h2>Key moments</h2>']
    if single:
        parts.append(
            '<p class="muted">Measured angles drawn on the frame: trunk lean (yellow) against '
            "the vertical, shank (cyan) against the vertical, foot (magenta) against the ground, "
            "and how far the heel lands ahead of the hips (arrow).</p>"
        )
        parts.append('<div class="pair">' + "".join(_figure(im) for im in single) + "</div>")
    if pair:
        parts.append("<h3>Early vs late in the run</h3>")
        parts.append('<div class="pair">' + "".join(_figure(im) for im in pair) + "</div>")
    parts.append("</section>")
    return "".join(parts)


def _checklist_section() -> str:
    items = "".join(
        f'<li><label><input type="checkbox"> <span>{esc(item)}</span></label></li>'
        for item in CHECKLIST
    )
    return (
        '<section id="checklist"><h2>What video can\'t see</h2><div class="apart">'
        "<p>Back pain while running has causes a camera cannot measure. These are questions "
        "to ask yourself, not findings from the video:</p>"
        f'<ul class="checklist">{items}</ul></div></section>'
    )


def _warnings_section(report: dict[str, Any]) -> str:
    warnings = report.get("warnings") or []
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return (
        '<section id="warnings"><h2>Warnings</h2>'
        f'<div class="notice"><ul>{items}</ul></div></section>'
    )


def _method_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        ("formcheck version", str(report.get("formcheck_version"))),
        ("report schema", str(report.get("schema_version"))),
    ]
    several = len(report.get("method", [])) > 1
    for k, m in enumerate(report.get("method", [])):
        tag = f"clip {k}: " if several else ""
        settings = ", ".join(f"{a}={b}" for a, b in (m.get("pose_settings") or {}).items())
        rows += [
            (f"{tag}pose model", f"{m.get('pose_model')} ({settings})"),
            (f"{tag}runner detected", _num(m.get("detection_rate"), ".0%", " of frames")),
            (
                f"{tag}low-pass filter",
                _num(m.get("lowpass_cutoff_hz"), ".1f", " Hz")
                + " zero-lag Butterworth; step frequency "
                + _num(m.get("step_frequency_video_hz"), ".2f", " Hz"),
            ),
            (
                f"{tag}near leg",
                f"MediaPipe '{m.get('near_side_label')}' side; leg swaps "
                f"corrected on {m.get('leg_swaps_corrected_frames')} frames; both feet "
                f"pulled together on {m.get('merged_feet_frames_removed', 0)} frames (removed)",
            ),
            (
                f"{tag}camera roll",
                _num(m.get("camera_roll_deg"), ".1f", "°")
                + ("" if m.get("camera_roll_reliable") else " (not reliable; assumed level)"),
            ),
            (f"{tag}leg length", _num(m.get("leg_length_px"), ".0f", " px")),
        ]
    return rows


def _config_rows(config: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += _config_rows(value, prefix=f"{name}.")
        else:
            rows.append((name, str(value)))
    return rows


def _method_section(report: dict[str, Any]) -> str:
    config = report.get("config") or {}
    chosen = {k: config[k] for k in ("findings", "clean", "gait") if k in config}
    return (
        '<section id="method"><h2>Method</h2>'
        "<p>MediaPipe pose landmarks, cleaned (confidence mask, outlier removal, gap filling, "
        "zero-lag low-pass filter), turned into a runner frame with the camera roll undone; "
        "contacts are timed from the feet's height (a landing from the heel's ground speed "
        "where the two cues clearly disagree); angles at contact are read from "
        "unfiltered landmarks at the sub-frame contact time.</p>"
        + _table(_method_rows(report), ("Item", "Value"))
        + "<h3 style='margin-top:1em'>Thresholds and settings</h3>"
        + _table(_config_rows(chosen), ("Setting", "Value"))
        + "</section>"
    )


def _video_line(report: dict[str, Any], video_files: list[str]) -> str:
    parts = []
    for v in report.get("videos", []):
        name = Path(str(v.get("path", ""))).name
        parts.append(
            f"{esc(name)}: {_num(v.get('duration_s'), '.1f', ' s')}, "
            f"{_num(v.get('fps'), '.0f', ' fps')}, {v.get('width')}×{v.get('height')}"
        )
    line = "; ".join(parts)
    if video_files:
        links = ", ".join(f'<a href="{esc(f)}">{esc(f)}</a>' for f in video_files)
        line += f"<br>Annotated video beside this file: {links}"
    return f'<p class="muted">{line}</p>'


def _head(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
    )


def _not_running_section(report: dict[str, Any]) -> str:
    reason = report.get("not_running_reason") or "no running was found in the video"
    return (
        '<section id="not-running" class="stop"><h2 style="margin-top:0">Running not analysed</h2>'
        f"<p><strong>Why:</strong> {esc(reason)}.</p>"
        "<p>So there are no findings. For a usable video: film from the side at hip height, "
        "with the whole body and both feet in view, for at least 10 seconds of steady running; "
        "60 fps or more if the phone offers it.</p></section>"
    )


def build_html(
    *,
    report: dict[str, Any],
    plots: list[Plot],
    images: list[EmbeddedImage],
    video_files: list[str],
) -> str:
    """The whole page as one string.

    Parameters
    ----------
    report : dict
        The ``report.json`` dictionary.
    plots : list of Plot
    images : list of EmbeddedImage
        Keyframes (representative, flagged, early, late).
    video_files : list of str
        Annotated video file names beside the report (linked, not embedded).
    """
    title = "Running form report"
    body = [f"<h1>{esc(title)}</h1>", _video_line(report, video_files)]
    if report.get("running"):
        s = report["summary"]
        body.append(
            '<p class="muted">'
            f"Cadence {esc(_num(s.get('cadence_spm'), '.0f', ' steps/min'))} · contact time "
            f"{esc(_num(s.get('contact_time_ms'), '.0f', ' ms'))} · trunk lean "
            f"{esc(_num(s.get('trunk_lean_deg'), '.1f', '°'))} · facing {esc(report.get('facing'))}"
            "</p>"
        )
        body += [
            _findings_section(report, images),
            _dynamics_section(report),
            _plots_section(plots),
            _keyframes_section(images),
            _checklist_section(),
        ]
    else:
        body.append(_not_running_section(report))
    body += [_warnings_section(report), _method_section(report)]
    body.append(
        f"<footer><p><strong>Note:</strong> {esc(report.get('disclaimer', ''))}</p></footer>"
    )
    return (
        _head(title) + "<body><main>" + "\n".join(b for b in body if b) + "</main></body></html>\n"
    )
