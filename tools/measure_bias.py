"""Measure MediaPipe's bias on rendered synthetic runners.

For a set of rendered clips with varied gait, posture, facing, roll and
resolution, run MediaPipe's PoseLandmarker (VIDEO and IMAGE mode) and compare
the landmark-derived angles at each true initial-contact frame with the same
angles on the exact drawn geometry of that frame (so the numbers isolate the
pose model: frame timing is not part of them). Angles are computed in the
runner frame with the known camera (roll and mirroring undone exactly), with
the METRICS.md definitions (``formcheck.synthetic.angles``). MediaPipe's
occasional left/right leg swaps are counted, then undone by matching to the
truth, so the angle errors are those of correctly labelled legs.

Usage (from the repository root; needs the model bundle from ``formcheck setup``)::

    python tools/measure_bias.py --write-doc docs/synthetic.md

``--quick`` runs three clips; ``--json FILE`` saves every per-contact row.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import landmarks as lm
from formcheck.synthetic import angles
from formcheck.synthetic.camera import CameraParams, image_to_runner_m
from formcheck.synthetic.detect import Detections, detect_video
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.landmarks import frame_times_s, noiseless_landmarks_px
from formcheck.synthetic.render import render_clip
from formcheck.synthetic.samples import PORTRAIT
from formcheck.synthetic.truth import Truth

DOC_START = "<!-- measure_bias:start -->"
DOC_END = "<!-- measure_bias:end -->"
HD = CameraParams(width=1280, height=720, scale_px_per_m=345.0, ground_origin_px=(640.0, 678.0))
DURATION_S = 4.0
FPS = 60.0
WINDOW_FRAMES = 3  # pixel errors "around contact": IC frame +- this many frames


@dataclass(frozen=True)
class ClipSpec:
    """One rendered clip of the measurement set."""

    name: str
    params: RunnerParams
    camera: CameraParams = dataclasses.field(default_factory=CameraParams)


def _runner(fsa: float, shank: float, knee: float, lean: float, **kw: object) -> RunnerParams:
    return RunnerParams(
        foot_strike_angle_deg=fsa,
        shank_angle_ic_deg=shank,
        knee_flexion_ic_deg=knee,
        trunk_lean_deg=lean,
        toe_off_foot_angle_deg=-30.0 if fsa < 0 else -35.0,
        **kw,  # type: ignore[arg-type]
    )


CLIPS: tuple[ClipSpec, ...] = (
    ClipSpec("fsa-8_right", _runner(-8, 2, 24, 4)),
    ClipSpec("fsa-4_left", _runner(-4, 4, 20, 8, facing="left")),
    ClipSpec("fsa0_roll4", _runner(0, 6, 18, 12), CameraParams(roll_deg=4.0)),
    ClipSpec("fsa4_portrait", _runner(4, 0, 26, 2), PORTRAIT),
    ClipSpec("fsa8_left", _runner(8, 10, 12, 16, facing="left")),
    ClipSpec("fsa12_720p", _runner(12, 6, 18, 6), HD),
    ClipSpec("fsa16_right", _runner(16, 14, 8, 10)),
    ClipSpec(
        "fsa20_left_roll-3", _runner(20, 4, 20, 0, facing="left"), CameraParams(roll_deg=-3.0)
    ),
    ClipSpec("fsa24_right", _runner(24, 10, 12, 14)),
    ClipSpec("fsa12_overground", _runner(12, 6, 18, 6, setting="overground", speed_m_s=3.0)),
    ClipSpec("fsa-8_portrait_left", _runner(-8, 10, 12, 6, facing="left"), PORTRAIT),
    ClipSpec("fsa18_overstride", _runner(18, 14, 8, 14)),
)
QUICK = ("fsa-8_right", "fsa12_720p", "fsa24_right")


def _angles_at(pts: np.ndarray, leg: tuple[int, ...]) -> dict[str, float]:
    """METRICS.md angles from runner-frame landmarks (33, 2) of one frame."""
    hip_i, knee_i, ankle_i, heel_i, toe_i = leg
    hip_mid = 0.5 * (pts[lm.LEFT_HIP] + pts[lm.RIGHT_HIP])
    shoulder_mid = 0.5 * (pts[lm.LEFT_SHOULDER] + pts[lm.RIGHT_SHOULDER])
    ear = 0.5 * (pts[lm.LEFT_EAR] + pts[lm.RIGHT_EAR])
    return {
        "foot_strike_angle": float(angles.foot_strike_angle_deg(heel=pts[heel_i], toe=pts[toe_i])),
        "shank_angle": float(angles.shank_angle_deg(knee=pts[knee_i], ankle=pts[ankle_i])),
        "knee_flexion": float(
            angles.knee_flexion_deg(hip=pts[hip_i], knee=pts[knee_i], ankle=pts[ankle_i])
        ),
        "trunk_lean": float(angles.trunk_lean_deg(hip_mid=hip_mid, shoulder_mid=shoulder_mid)),
        "head_forward": float(
            angles.head_forward_deg(hip_mid=hip_mid, shoulder_mid=shoulder_mid, ear=ear)
        ),
    }


def _fix_swaps(measured: np.ndarray, exact: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undo MediaPipe leg swaps per frame by matching to the truth; returns (fixed, swapped)."""
    left = list(lm.LEFT_LEG[1:])
    right = list(lm.RIGHT_LEG[1:])
    keep = np.linalg.norm(measured[:, left] - exact[:, left], axis=-1).mean(axis=1)
    keep += np.linalg.norm(measured[:, right] - exact[:, right], axis=-1).mean(axis=1)
    cross = np.linalg.norm(measured[:, left] - exact[:, right], axis=-1).mean(axis=1)
    cross += np.linalg.norm(measured[:, right] - exact[:, left], axis=-1).mean(axis=1)
    swapped = cross < keep
    fixed = measured.copy()
    for a, b in zip(lm.LEFT_LEG, lm.RIGHT_LEG, strict=True):
        fixed[swapped, a] = measured[swapped, b]
        fixed[swapped, b] = measured[swapped, a]
    return fixed, swapped


def _foot_offsets(
    measured_m: np.ndarray, exact_m: np.ndarray, leg: tuple[int, ...], scale: float
) -> dict[str, list[float]]:
    """Errors of ankle/heel/toe in the foot frame (px): along the sole (+ toes) and up."""
    _, _, ankle_i, heel_i, toe_i = leg
    sole = exact_m[:, toe_i] - exact_m[:, heel_i]
    u = sole / np.linalg.norm(sole, axis=1, keepdims=True)
    n = np.stack([-u[:, 1], u[:, 0]], axis=1)  # up, away from the sole
    out: dict[str, list[float]] = {}
    for name, i in (("ankle", ankle_i), ("heel", heel_i), ("foot_index", toe_i)):
        e = (measured_m[:, i] - exact_m[:, i]) * scale
        out[f"{name}_along_px"] = list((e * u).sum(axis=1))
        out[f"{name}_up_px"] = list((e * n).sum(axis=1))
    return out


def measure_clip(spec: ClipSpec, workdir: Path) -> tuple[Truth, list[dict[str, object]]]:
    """Render one clip, detect in both modes, and return one row per contact and mode."""
    path = workdir / f"{spec.name}.mp4"
    truth = render_clip(
        params=spec.params, path=path, duration_s=DURATION_S, fps=FPS, camera=spec.camera
    )
    times = frame_times_s(n_frames=truth.n_frames, fps=FPS)
    exact_px = noiseless_landmarks_px(params=spec.params, camera=spec.camera, times_s=times)
    facing = spec.params.facing
    to_m = lambda xy: image_to_runner_m(xy_px=xy, camera=spec.camera, facing=facing)  # noqa: E731
    exact_m = to_m(exact_px)
    foot_px = float(spec.params.body.foot * spec.params.height_m * spec.camera.scale_px_per_m)
    rows: list[dict[str, object]] = []
    for mode in ("video", "image"):
        det: Detections = detect_video(path, fps=FPS, mode=mode)
        fixed_px, swapped = _fix_swaps(det.xy_px, exact_px)
        meas_m = to_m(fixed_px)
        for c in truth.contacts:
            f = c.ic_frame
            if not det.detected[f]:
                continue
            leg = lm.LEFT_LEG if c.leg == "left" else lm.RIGHT_LEG
            window = slice(max(f - WINDOW_FRAMES, 0), min(f + WINDOW_FRAMES + 1, truth.n_frames))
            ok = det.detected[window]
            offsets = _foot_offsets(
                meas_m[window][ok], exact_m[window][ok], leg, spec.camera.scale_px_per_m
            )
            rows.append(
                {
                    "clip": spec.name,
                    "mode": mode,
                    "side": c.side,
                    "ic_frame": f,
                    "swapped": bool(swapped[f]),
                    "truth_at_ic": {
                        "foot_strike_angle": c.foot_strike_angle_deg,
                        "shank_angle": c.shank_angle_deg,
                        "knee_flexion": c.knee_flexion_deg,
                    },
                    "exact": _angles_at(exact_m[f], leg),
                    "measured": _angles_at(meas_m[f], leg),
                    "foot_px": foot_px,
                    "leg_length_px": truth.leg_length_px,
                    "window": {k: [float(x) for x in v] for k, v in offsets.items()},
                    "detection_rate": det.detection_rate,
                    "swap_rate": float(swapped[det.detected].mean()),
                }
            )
    return truth, rows


QUANTITIES = ("trunk_lean", "head_forward", "foot_strike_angle", "shank_angle", "knee_flexion")


def _errors(rows: list[dict[str, Any]], quantity: str) -> np.ndarray:
    return np.array([r["measured"][quantity] - r["exact"][quantity] for r in rows])


def _stats(e: np.ndarray) -> str:
    if e.size == 0:
        return "| - | - | - | 0 |"
    sd = e.std(ddof=1) if e.size > 1 else 0.0
    return f"| {e.mean():+.1f} | {sd:.1f} | {np.median(np.abs(e)):.1f} | {e.size} |"


Rows = list[dict[str, Any]]


def _select(rows: Rows, mode: str, side: str) -> Rows:
    return [r for r in rows if r["mode"] == mode and r["side"] == side]


def _angle_table(rows: Rows) -> list[str]:
    out = [
        "Angle error at the true IC frame: MediaPipe minus the drawn geometry of that frame, "
        "degrees (mean = bias, SD, median |error|, n contacts).\n",
        "| quantity | leg | mode | bias | SD | median abs | n |",
        "|---|---|---|---|---|---|---|",
    ]
    for q in QUANTITIES:
        posture = q in ("trunk_lean", "head_forward")
        for side in ("near",) if posture else ("near", "far"):
            for mode in ("video", "image"):
                label = "both" if posture else side
                out.append(
                    f"| {q} | {label} | {mode} {_stats(_errors(_select(rows, mode, side), q))}"
                )
    return out


def _fsa_table(rows: Rows, clips: list[ClipSpec]) -> list[str]:
    fsas = sorted({c.params.foot_strike_angle_deg for c in clips})
    out = [
        "Foot strike angle error by prescribed strike angle (near leg; mean, degrees), "
        "and a least-squares line measured = a + b x true over all near contacts:\n",
        "| true FSA | " + " | ".join(f"{v:g}" for v in fsas) + " | a | b |",
        "|---" * (len(fsas) + 3) + "|",
    ]
    for mode in ("video", "image"):
        near = _select(rows, mode, "near")
        x = np.array([r["exact"]["foot_strike_angle"] for r in near])
        y = np.array([r["measured"]["foot_strike_angle"] for r in near])
        cells = []
        for v in fsas:
            e = (y - x)[np.abs(x - v) < 1.5]
            cells.append(f"{e.mean():+.1f}" if e.size else "-")
        b, a = np.polyfit(x, y, 1)
        out.append(f"| {mode} | " + " | ".join(cells) + f" | {a:+.1f} | {b:.2f} |")
    return out


def _foot_table(rows: Rows) -> list[str]:
    out = [
        f"Landmark offsets around contact (IC frame +-{WINDOW_FRAMES}), near leg, in the "
        "foot's frame, as % of foot length (61 px at 640x480): along the sole (+ towards "
        "the toe) and up from the sole (medians), and the median distance.\n",
        "| landmark | mode | along | up | distance |",
        "|---|---|---|---|---|",
    ]
    for name in ("heel", "foot_index", "ankle"):
        for mode in ("video", "image"):
            near = _select(rows, mode, "near")
            along = np.concatenate(
                [np.array(r["window"][f"{name}_along_px"]) / r["foot_px"] for r in near]
            )
            up = np.concatenate(
                [np.array(r["window"][f"{name}_up_px"]) / r["foot_px"] for r in near]
            )
            out.append(
                f"| {name} | {mode} | {100 * np.median(along):+.0f} % | "
                f"{100 * np.median(up):+.0f} % | {100 * np.median(np.hypot(along, up)):.0f} % |"
            )
    return out


def _clip_table(rows: Rows, clips: list[ClipSpec]) -> list[str]:
    out = [
        "Per clip (near leg, VIDEO mode): detection rate, share of frames with legs swapped "
        "by MediaPipe, mean errors (degrees).\n",
        "| clip | image | detected | legs swapped | FSA | shank | knee | lean |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for spec in clips:
        near = [r for r in _select(rows, "video", "near") if r["clip"] == spec.name]
        if not near:
            continue
        cells = [
            f"{_errors(near, q).mean():+.1f}"
            for q in ("foot_strike_angle", "shank_angle", "knee_flexion", "trunk_lean")
        ]
        out.append(
            f"| {spec.name} | {spec.camera.width}x{spec.camera.height} | "
            f"{100 * near[0]['detection_rate']:.1f} % | {100 * near[0]['swap_rate']:.1f} % | "
            + " | ".join(cells)
            + " |"
        )
    return out


def summarise(rows: Rows, clips: list[ClipSpec]) -> str:
    """Markdown tables of the biases."""
    tables = [
        _angle_table(rows),
        _fsa_table(rows, clips),
        _foot_table(rows),
        _clip_table(rows, clips),
    ]
    return "\n\n".join("\n".join(t) for t in tables) + "\n"


def _write_doc(doc: Path, table: str, command: str) -> None:
    text = doc.read_text(encoding="utf-8")
    if DOC_START not in text or DOC_END not in text:
        raise SystemExit(f"{doc}: markers {DOC_START} / {DOC_END} not found")
    head, rest = text.split(DOC_START, 1)
    _, tail = rest.split(DOC_END, 1)
    body = f"{DOC_START}\nMade by `{command}`.\n\n{table}{DOC_END}"
    doc.write_text(head + body + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="three clips only")
    parser.add_argument("--json", type=Path, help="write every per-contact row here")
    parser.add_argument(
        "--write-doc", type=Path, help="replace the marked table in this markdown file"
    )
    args = parser.parse_args(argv)
    clips = [c for c in CLIPS if not args.quick or c.name in QUICK]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in clips:
            start = time.time()
            _, clip_rows = measure_clip(spec, Path(tmp))
            rows.extend(clip_rows)
            print(
                f"{spec.name}: {len(clip_rows)} rows in {time.time() - start:.0f} s",
                file=sys.stderr,
            )
    table = summarise(rows, clips)
    print(table)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.write_doc:
        command = (
            "python tools/measure_bias.py"
            + (" --quick" if args.quick else "")
            + f" --write-doc {args.write_doc}"
        )
        _write_doc(args.write_doc, table, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
