"""What the report's pages show, as plain text: the view model of the shared templates.

Pure functions from the ``report.json`` dictionary to dictionaries and tuples
of strings. Numbers are formatted here, not in the templates: the Django
template engine runs standalone for the CLI (no settings), and its number
localization would need settings. The templates in ``report/templates``
only lay out and escape these strings, for ``report.html`` and for the web
app's review page alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

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

# The athlete's answers (report.json "athlete"), in the order shown.
ATHLETE_LABELS = (
    ("name", "Runner", "", ""),
    ("height_cm", "Height", ".0f", " cm"),
    ("belt_speed_kmh", "Belt speed", ".1f", " km/h"),
    ("shoe_km", "Shoe age", ".0f", " km"),
    ("surface", "Surface", "", ""),
    ("training_changes", "Recent training changes", "", ""),
    ("where_it_hurts", "Where it hurts", "", ""),
)


def num(value: Any, fmt: str, unit: str = "") -> str:
    """Formatted number with unit, or "not measured"."""
    if value is None:
        return "not measured"
    return f"{value:{fmt}}{unit}"


def finding_value(f: Mapping[str, Any]) -> str:
    """The finding's number as shown on its card."""
    v = f.get("value")
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if f.get("id") == "late_run_slouch":
        return f"{v:+.1f}° change"
    unit = f.get("unit") or ""
    return f"{v:.1f}°" if unit == "deg" else f"{v:.2f} {unit}".rstrip()


def finding_card(
    f: Mapping[str, Any], *, images: Iterable[Any] = (), n_clips: int = 1
) -> dict[str, Any]:
    """One finding as its card shows it.

    Parameters
    ----------
    f : mapping
        A finding of ``report.json``.
    images : iterable of EmbeddedImage
        Keyframes; those that are evidence for the finding are linked (report.html).
    n_clips : int
        Clips of the run: with several, each evidence frame says which clip.

    Returns
    -------
    dict
        ``id``, ``status`` (a CSS class), ``status_label``, ``title``, ``value``,
        ``reason``, ``cue``, ``reference``, ``links`` (anchor, title) and
        ``evidence`` (clip, frame, label) for the web player.
    """
    status = f.get("status") if f.get("status") in STATUS_LABELS else "unknown"
    fid = str(f.get("id", ""))
    evidence = []
    for ev in f.get("evidence") or []:
        clip, frame = int(ev.get("clip", 0)), int(ev["frame"])
        where = (" (late)" if clip else " (early)") if n_clips > 1 else ""
        evidence.append({"clip": str(clip), "frame": str(frame), "label": f"frame {frame}{where}"})
    return {
        "id": fid,
        "status": status,
        "status_label": STATUS_LABELS[str(status)],
        "title": FINDING_TITLES.get(fid, fid.replace("_", " ")),
        "value": finding_value(f),
        "reason": str(f.get("reason") or ""),
        "cue": str(f.get("cue") or ""),
        "reference": str(f.get("reference") or ""),
        "links": [(f"kf-{im.name}", im.title) for im in images if fid in im.findings],
        "evidence": evidence,
    }


def finding_cards(
    report: Mapping[str, Any], *, images: Iterable[Any] = (), n_clips: int = 1
) -> list[dict[str, Any]]:
    """Every finding's card, in the report's order."""
    images = list(images)
    return [finding_card(f, images=images, n_clips=n_clips) for f in report.get("findings") or []]


def headline(report: Mapping[str, Any]) -> str:
    """One line: cadence, contact time, trunk lean, facing."""
    s = report.get("summary") or {}
    return (
        f"Cadence {num(s.get('cadence_spm'), '.0f', ' steps/min')} · contact time "
        f"{num(s.get('contact_time_ms'), '.0f', ' ms')} · trunk lean "
        f"{num(s.get('trunk_lean_deg'), '.1f', '°')} · facing {report.get('facing')}"
    )


# Column headings of the running-dynamics table (report.html and the review page).
DYNAMICS_HEADER = ("Measure", "Value", "Typical / reference")


def dynamics_rows(s: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The running-dynamics table: (measure, value, typical / reference)."""
    res = s.get("contact_time_resolution_ms")
    contact = num(s.get("contact_time_ms"), ".0f", " ms")
    if s.get("contact_time_ms") is not None and res is not None:
        contact += f" (± {res:.0f} ms, one frame)"
    vo = num(s.get("vertical_oscillation_leg_lengths"), ".3f", " leg lengths")
    if s.get("vertical_oscillation_cm") is not None:
        vo += f" ({s['vertical_oscillation_cm']:.1f} cm)"
    rows = [
        (
            "Cadence",
            num(s.get("cadence_spm"), ".0f", " steps/min"),
            "typical 160-190; about 170 at 3 m/s (Lieberman 2015)",
        ),
        ("Ground contact time", contact, "typical 160-300 ms; elites under 200 ms"),
        (
            "Duty factor",
            num(s.get("duty_factor"), ".2f"),
            "contact time / stride time; running stays below 0.5",
        ),
        ("Vertical oscillation", vo, "hip midpoint, per stride"),
        (
            "Knee flexion peak in stance",
            num(s.get("peak_stance_knee_flexion_deg"), ".0f", "°"),
            "about 45°; below 40° is linked to patellofemoral pain subgroups (Souza 2016)",
        ),
        (
            "Trunk lean (median)",
            num(s.get("trunk_lean_deg"), ".1f", "°"),
            "low-lean runners 3.6 ± 2.8°, high-lean 10.8 ± 2.2° (Teng & Powers 2015)",
        ),
    ]
    if s.get("step_length_m") is not None:
        rows.append(("Step length", num(s["step_length_m"], ".2f", " m"), "from the belt speed"))
    if s.get("vertical_ratio_percent") is not None:
        rows.append(
            ("Vertical ratio", num(s["vertical_ratio_percent"], ".1f", " %"), "oscillation / step")
        )
    measured = (
        "Measured",
        f"{_count(s.get('strides_measured', 0), 'stride')}, "
        f"{_count(s.get('contacts_measured', 0), 'contact')}",
        "near leg first; far leg where visible",
    )
    return [*rows, *_asymmetry_rows(s.get("asymmetry") or {}), measured]


def _asymmetry_rows(asym: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    labels = {
        "contact_time_percent": ("Asymmetry: contact time", ".1f", " %"),
        "strike_angle_difference_deg": ("Asymmetry: strike angle (near - far)", "+.1f", "°"),
        "shank_angle_difference_deg": ("Asymmetry: shank angle (near - far)", "+.1f", "°"),
    }
    return [
        (label, num(asym[key], fmt, unit), "near vs far leg; the far leg is measured less well")
        for key, (label, fmt, unit) in labels.items()
        if asym.get(key) is not None
    ]


def method_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The method table: versions, and per clip the pose model, filter, near leg, roll."""
    rows = [
        ("formcheck version", str(report.get("formcheck_version"))),
        ("report schema", str(report.get("schema_version"))),
    ]
    methods = report.get("method") or []
    for k, m in enumerate(methods):
        tag = f"clip {k}: " if len(methods) > 1 else ""
        settings = ", ".join(f"{a}={b}" for a, b in (m.get("pose_settings") or {}).items())
        rows += [
            (f"{tag}pose model", f"{m.get('pose_model')} ({settings})"),
            (f"{tag}runner detected", num(m.get("detection_rate"), ".0%", " of frames")),
            (
                f"{tag}low-pass filter",
                num(m.get("lowpass_cutoff_hz"), ".1f", " Hz")
                + " zero-lag Butterworth; step frequency "
                + num(m.get("step_frequency_video_hz"), ".2f", " Hz"),
            ),
            (
                f"{tag}near leg",
                f"MediaPipe '{m.get('near_side_label')}' side; leg swaps "
                f"corrected on {m.get('leg_swaps_corrected_frames')} frames; both feet "
                f"pulled together on {m.get('merged_feet_frames_removed', 0)} frames (removed)",
            ),
            (
                f"{tag}camera roll",
                num(m.get("camera_roll_deg"), ".1f", "°")
                + ("" if m.get("camera_roll_reliable") else " (not reliable; assumed level)"),
            ),
            (f"{tag}leg length", num(m.get("leg_length_px"), ".0f", " px")),
        ]
    return rows


def config_rows(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested settings flattened to (dotted name, value)."""
    rows: list[tuple[str, str]] = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += config_rows(value, prefix=f"{name}.")
        else:
            rows.append((name, str(value)))
    return rows


def chosen_config_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The thresholds and settings the findings depend on."""
    config = report.get("config") or {}
    return config_rows({k: config[k] for k in ("findings", "clean", "gait") if k in config})


def video_lines(report: Mapping[str, Any]) -> list[str]:
    """Per source video: file name, duration, frame rate, size."""
    return [
        f"{Path(str(v.get('path', ''))).name}: {num(v.get('duration_s'), '.1f', ' s')}, "
        f"{num(v.get('fps'), '.0f', ' fps')}, {v.get('width')}×{v.get('height')}"
        for v in report.get("videos") or []
    ]


def athlete_rows(athlete: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """The athlete's own answers (label, text), those given only."""
    rows = []
    for key, label, fmt, unit in ATHLETE_LABELS:
        value = (athlete or {}).get(key)
        if value is None or value == "":
            continue
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        # A number given as text (by a caller of the Python API) is shown as text.
        rows.append((label, num(value, fmt, unit) if fmt and numeric else str(value)))
    return rows


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _fmt(value: Any, spec: str) -> str:
    return "–" if value is None else format(value, spec)


WINDOW_HEADER = ("Window", "Time", "Strides used", "Trunk lean", "Shank at IC", "Cadence", "Pose")


def long_run_view(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """Long-run mode: the summary line and the table of windows used, or None."""
    lr = report.get("long_run")
    if not lr:
        return None
    rows = [
        (
            str(r["index"] + 1),
            f"{_clock(r['start_s'])}–{_clock(r['end_s'])}",
            str(r["strides"]),
            _fmt(r["trunk_lean_deg"], ".1f") + "°",
            _fmt(r["shank_angle_deg"], ".1f") + "°",
            _fmt(r["cadence_spm"], ".0f"),
            "resumed" if r["from_checkpoint"] else "computed",
        )
        for r in lr["windows"]
    ]
    share = lr.get("analysed_share") or 0.0
    return {
        "line": f"{len(rows)} windows cover {100 * share:.0f} % of "
        f"{_clock(lr['video_duration_s'])}; each counts whole strides only.",
        "header": WINDOW_HEADER,
        "rows": rows,
    }
