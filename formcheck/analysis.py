"""Analysis of one clip: pose track in, measured running form out (pure compute).

Stages, in order: clean -> scene -> gait -> metrics. This module wires the
pure stage functions together for one clip; the findings and report are
built from its result elsewhere, and all file I/O lives in
:mod:`formcheck.pipeline`.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

import numpy as np

from formcheck.clean import CleanTrack, clean_track
from formcheck.config import Config
from formcheck.contact import Contact
from formcheck.contact_checks import is_step_of_its_leg
from formcheck.gait import detect_contacts
from formcheck.horizon import LineRoll
from formcheck.landmarks import LEFT_SHOULDER, RIGHT_SHOULDER, leg_indices, other_side
from formcheck.metrics.angles import (
    ear_shoulder_distance,
    head_forward_deg,
    hip_mid,
    shoulder_mid,
    trunk_lean_deg,
)
from formcheck.metrics.contact_angles import ContactAngles, contact_angles
from formcheck.metrics.dynamics import cadence_spm, duty_factor, vertical_oscillation
from formcheck.scene import Scene, estimate_scene, stance_ground_roll
from formcheck.track import PoseTrack

# Side-view check: in a side view the shoulders overlap in x; facing the
# camera they are apart by most of a torso length.
_FRONT_VIEW_SHOULDER_RATIO = 0.45
# Leg-cycling check: spread of |ankle x difference| in torso lengths.
_MIN_LEG_CYCLING = 0.25
# Cadence cross-check: timed contacts needed, and the relative disagreement
# with the step rhythm above which a note is written.
_MIN_CADENCE_CONTACTS = 8
_CADENCE_AGREEMENT = 0.04
# Walking: running puts the hips lowest in mid-stance on nearly every step;
# below this share, with a long contact or a low cadence, it is walking.
_RUNNING_HIP_LOW_SHARE = 0.75
_WALKING_DUTY_HINT = 0.45
_WALKING_CADENCE_HINT = 135.0


@dataclass(frozen=True)
class AnalysisOptions:
    """Per-clip facts the user can give.

    Attributes
    ----------
    capture_fps : float or None
        Real capture rate of a slow-motion clip (e.g. 240); time is scaled
        by ``fps / capture_fps``.
    belt_speed_mps : float or None
        Treadmill belt speed, metres per second (gives step length).
    runner_height_m : float or None
        Body height, metres (gives centimetres).
    elapsed_offset_s : float
        Elapsed run time at the start of the clip, seconds.
    """

    capture_fps: float | None = None
    belt_speed_mps: float | None = None
    runner_height_m: float | None = None
    elapsed_offset_s: float = 0.0


@dataclass(frozen=True)
class Stride:
    """One stride of the near leg: initial contact to its next initial contact."""

    index: int
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    midstance_frame: int
    trunk_lean_deg: float
    trunk_lean_midstance_deg: float
    head_forward_deg: float
    ear_shoulder_leg_lengths: float
    vertical_oscillation_leg_lengths: float
    contact_index: int


@dataclass(frozen=True)
class ClipAnalysis:
    """Everything measured on one clip.

    Attributes
    ----------
    track : PoseTrack
    clean : CleanTrack
    scene : Scene
    times_s : ndarray, shape (n_frames,)
        Frame times in real time (slow motion undone), from the clip start.
    fps : float
        Frames per real second.
    runner_xy, runner_raw_xy : ndarray, shape (n_frames, 33, 2)
        Low-passed and unfiltered landmarks in the runner frame (pixels).
    contacts : list of Contact
    angles : list of ContactAngles or None
        Per contact (same order); None where its landing is not usable.
    strides : list of Stride
    lean_deg : ndarray, shape (n_frames,)
        Trunk lean per frame.
    cadence_spm : float
    running : bool
        Whether running was found; if False, ``not_running_reason`` says why.
    warnings : list of str
    """

    track: PoseTrack
    clean: CleanTrack
    scene: Scene
    options: AnalysisOptions
    times_s: np.ndarray
    fps: float
    runner_xy: np.ndarray
    runner_raw_xy: np.ndarray
    contacts: list[Contact]
    angles: list[ContactAngles | None]
    strides: list[Stride]
    lean_deg: np.ndarray
    cadence_spm: float
    duty_factor: float
    running: bool
    not_running_reason: str
    facing_agreement: float
    roll_source: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def near_side(self) -> str:
        """MediaPipe side label of the near leg."""
        return self.clean.near_side

    def side_of(self, leg: str) -> str:
        """MediaPipe side label of ``"near"`` or ``"far"``."""
        return self.near_side if leg == "near" else other_side(self.near_side)


def _time_scale(track: PoseTrack, options: AnalysisOptions) -> float:
    if options.capture_fps:
        return track.fps / options.capture_fps
    return 1.0


def _shoulder_ratio(xy: np.ndarray) -> float:
    """Median |shoulder x separation| / torso length (side view: small)."""
    sep = np.abs(xy[:, LEFT_SHOULDER, 0] - xy[:, RIGHT_SHOULDER, 0])
    torso = np.linalg.norm(shoulder_mid(xy) - hip_mid(xy), axis=-1)
    ratio = sep / np.where(torso > 0, torso, np.nan)
    return float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else float("nan")


def _leg_cycling(xy: np.ndarray) -> float:
    """Spread (10th-90th percentile) of |ankle x difference| in torso lengths."""
    near = leg_indices("left").ankle, leg_indices("right").ankle
    d = np.abs(xy[:, near[0], 0] - xy[:, near[1], 0])
    torso = np.linalg.norm(shoulder_mid(xy) - hip_mid(xy), axis=-1)
    r = d / np.where(torso > 0, torso, np.nan)
    r = r[np.isfinite(r)]
    return float(np.subtract(*np.percentile(r, [90, 10]))) if r.size >= 10 else 0.0


def _strides(
    contacts: list[Contact],
    *,
    runner_xy: np.ndarray,
    times_s: np.ndarray,
    leg_length_px: float,
    lean: np.ndarray,
) -> list[Stride]:
    """Near-leg strides between consecutive near contacts.

    A stride needs its two initial contacts (a contact cut by the clip's
    ends is not one, nor a duplicate or the far leg's landing under a
    swapped label) but not usable angles at contact: posture and
    oscillation are measured over the whole stride.
    """
    near = [
        (i, c)
        for i, c in enumerate(contacts)
        if c.leg == "near" and not c.reason.startswith("cut") and is_step_of_its_leg(c)
    ]
    head = head_forward_deg(runner_xy)
    ear = ear_shoulder_distance(runner_xy) / leg_length_px
    hip_y = hip_mid(runner_xy)[:, 1]
    strides: list[Stride] = []
    pairs = list(itertools.pairwise(near))
    stride_s = np.median([b.ic_s - a.ic_s for (_, a), (_, b) in pairs]) if pairs else np.nan
    for (i, a), (_, b) in pairs:
        if not 0.6 * stride_s < b.ic_s - a.ic_s < 1.5 * stride_s:
            continue  # a contact missed in between, or a spurious one
        s, e = a.ic_frame, b.ic_frame
        if e - s < 3 or not np.isfinite(lean[s:e]).any():
            continue
        mid = (a.ic_frame + a.to_frame) // 2
        strides.append(
            Stride(
                index=len(strides),
                start_frame=s,
                end_frame=e,
                start_s=a.ic_s,
                end_s=b.ic_s,
                midstance_frame=mid,
                trunk_lean_deg=float(np.nanmean(lean[s:e])),
                trunk_lean_midstance_deg=float(lean[mid]),
                head_forward_deg=float(np.nanmean(head[s:e])),
                ear_shoulder_leg_lengths=float(np.nanmean(ear[s:e])),
                vertical_oscillation_leg_lengths=vertical_oscillation(hip_y, s, e) / leg_length_px,
                contact_index=i,
            )
        )
    return strides


def _level_by_lines(scene: Scene, line_roll: LineRoll | None) -> Scene:
    """The scene with its roll from straight scene lines when they are clear,
    else with a level camera.

    MediaPipe's foot points slide along the shoe during stance, which tilts
    a ground line fitted to them by several degrees (docs/accuracy.md), so
    the feet never set the roll.
    """
    if line_roll is not None and line_roll.usable:
        return dataclasses.replace(scene, roll_deg=line_roll.roll_deg, roll_reliable=True)
    return dataclasses.replace(scene, roll_deg=0.0, roll_reliable=False)


def _roll_source(line_roll: LineRoll | None, clean: CleanTrack, contacts: list[Contact]) -> str:
    """Where the roll came from, for the report; with a level camera assumed,
    what the stance feet suggest (about 5 deg off on rendered runners and
    unstable under mirroring or a lower frame rate on real clips, so only
    reported)."""
    if line_roll is not None and line_roll.usable:
        return f"scene lines ({line_roll.n_segments} segments)"
    roll = stance_ground_roll(clean.xy_px, _stances(contacts, clean.near_side))
    return "assumed level" + (
        f"; the feet suggest {roll:+.1f}°, not applied" if np.isfinite(roll) else ""
    )


def _contacts_in(
    scene: Scene,
    clean: CleanTrack,
    times: np.ndarray,
    fps: float,
    stride_frames: float,
    config: Config,
) -> list[Contact]:
    """Gait events with the landmarks seen through ``scene``."""
    return detect_contacts(
        runner_xy=scene.to_runner(clean.xy_px),
        runner_raw_xy=scene.to_runner(clean.raw_xy_px),
        measured=clean.measured,
        times_s=times,
        fps=fps,
        near_side=clean.near_side,
        leg_length_px=scene.leg_length_px,
        stride_frames=stride_frames,
        config=config.gait,
    )


def _stances(contacts: list[Contact], near_side: str) -> dict[str, list[tuple[int, int]]]:
    """(IC, TO) frames of the usable contacts, by side label."""
    side = {"near": near_side, "far": other_side(near_side)}
    out: dict[str, list[tuple[int, int]]] = {near_side: [], other_side(near_side): []}
    for c in contacts:
        if c.usable:
            out[side[c.leg]].append((c.ic_frame, c.to_frame))
    return out


def _contact_angles(
    contacts: list[Contact],
    *,
    clip_side: dict[str, str],
    runner_xy: np.ndarray,
    runner_raw_xy: np.ndarray,
    times_s: np.ndarray,
    leg_length_px: float,
    config: Config,
) -> list[ContactAngles | None]:
    strike = config.findings.heel_strike
    frame_s = float(np.median(np.diff(times_s))) if times_s.size > 1 else 0.0
    return [
        contact_angles(
            c,
            runner_xy=runner_xy,
            runner_raw_xy=runner_raw_xy,
            times_s=times_s,
            side=clip_side[c.leg],
            leg_length_px=leg_length_px,
            rearfoot_above_deg=strike.rearfoot_above_deg,
            forefoot_below_deg=strike.forefoot_below_deg,
            frame_s=frame_s,
        )
        if c.landing_usable
        else None
        for c in contacts
    ]


def _choose_cadence(
    contacts: list[Contact], *, rhythm_spm: float, stride_s_prior: float
) -> tuple[float, str]:
    """Cadence from the step rhythm, cross-checked against the contacts.

    The spectral step rhythm of the ankles (peak of the |ankle x
    difference| spectrum, interpolated to a fraction of a bin) is both the
    most accurate (within 0.04 steps/min on synthetic runs, where contact
    timing gives 0.2) and the most robust to missed or spurious contacts and
    to coarse frame rates. Contacts give it when the rhythm is missing, and a
    note when they disagree. Returns the cadence and a note ("" if none).
    """
    from_contacts = cadence_spm(contacts, stride_s_prior=stride_s_prior)
    n_timed = sum(c.timed for c in contacts)
    if not (np.isfinite(rhythm_spm) and rhythm_spm > 0):
        return from_contacts, ""
    note = ""
    if (
        np.isfinite(from_contacts)
        and n_timed >= _MIN_CADENCE_CONTACTS
        and abs(from_contacts / rhythm_spm - 1) > _CADENCE_AGREEMENT
    ):
        note = (
            f"the {n_timed} timed contacts give {from_contacts:.1f} steps/min against a step "
            f"rhythm of {rhythm_spm:.1f}: some contacts were missed or misplaced"
        )
    return rhythm_spm, note


def _hip_low_share(
    runner_xy: np.ndarray, contacts: list[Contact], stride_frames: float, leg_length_px: float
) -> float:
    """Share of timed contacts whose hips are lowest in mid-stance.

    Running puts the hips lowest in mid-stance (below their stride mean);
    walking vaults over a straight leg and puts them highest. NaN when no
    contact can be measured.
    """
    hy = hip_mid(runner_xy)[:, 1]
    half = int(stride_frames / 2) if np.isfinite(stride_frames) else 0
    values = []
    for c in contacts:
        mid = (c.ic_frame + c.to_frame) // 2
        seg = hy[max(mid - half, 0) : mid + half]
        if c.timed and half > 2 and np.isfinite(hy[mid]) and np.isfinite(seg).sum() > 5:
            values.append((hy[mid] - np.nanmean(seg)) / leg_length_px)
    return float(np.mean(np.asarray(values) < 0)) if values else float("nan")


def _running_check(
    *,
    clean_xy: np.ndarray,
    contacts: list[Contact],
    cadence: float,
    cadence_video: float,
    duty: float,
    hip_low_share: float,
    options: AnalysisOptions,
    config: Config,
) -> str:
    """Why the clip does not show running ("" when it does)."""
    gait = config.gait
    ratio = _shoulder_ratio(clean_xy)
    if np.isfinite(ratio) and ratio > _FRONT_VIEW_SHOULDER_RATIO:
        return (
            f"not a side view: the shoulders are {ratio:.2f} torso lengths apart across the "
            f"image (a side view shows below {_FRONT_VIEW_SHOULDER_RATIO}); film from the side"
        )
    cycling = _leg_cycling(clean_xy)
    if cycling < _MIN_LEG_CYCLING:
        return (
            f"no running found: the legs do not cycle (ankle spread {cycling:.2f} torso "
            f"lengths, running shows above {_MIN_LEG_CYCLING})"
        )
    if len(contacts) < gait.min_steps:
        return (
            f"too few steps to analyse: {len(contacts)} foot "
            f"contact{'' if len(contacts) == 1 else 's'} detected, "
            f"at least {gait.min_steps} needed (a longer clip, with the runner in frame)"
        )
    if not np.isfinite(cadence):
        return "no running found: no regular steps detected"
    if cadence < gait.min_cadence_spm or cadence > gait.max_cadence_spm:
        hint = ""
        if options.capture_fps is None and cadence_video < gait.min_cadence_spm:
            hint = (
                "; the clip looks like slow motion: give the capture frame rate "
                "(--capture-fps, e.g. 240) to analyse it in real time"
            )
        return (
            f"implausible cadence {cadence:.1f} steps/min (running lies within "
            f"{gait.min_cadence_spm:.0f}-{gait.max_cadence_spm:.0f}){hint}"
        )
    # Walking needs two signs: the hips not lowest in mid-stance (running
    # puts them there on nearly every step), and a long contact or a low
    # cadence. The duty factor alone is too noisy on 30 fps footage.
    long_contact = np.isfinite(duty) and duty > gait.max_running_duty_factor
    if (
        np.isfinite(hip_low_share)
        and hip_low_share < _RUNNING_HIP_LOW_SHARE
        and (long_contact or duty > _WALKING_DUTY_HINT or cadence < _WALKING_CADENCE_HINT)
    ):
        return (
            f"the gait looks like walking, not running: the hips are lowest in mid-stance on "
            f"only {100 * hip_low_share:.0f} % of steps (running: nearly all), cadence "
            f"{cadence:.0f} steps/min"
        )
    return ""


def analyze_clip(
    track: PoseTrack,
    *,
    config: Config,
    options: AnalysisOptions | None = None,
    line_roll: LineRoll | None = None,
) -> ClipAnalysis:
    """Measure running form on one clip's pose track.

    Parameters
    ----------
    track : PoseTrack
        The runner's landmarks (image pixels).
    config : Config
    options : AnalysisOptions, optional
    line_roll : LineRoll, optional
        Camera roll measured from straight lines in the scene (level and
        plumb edges); preferred over the stance-foot estimate when usable.

    Returns
    -------
    ClipAnalysis
    """
    options = options or AnalysisOptions()
    scale = _time_scale(track, options)
    times = track.timestamps_s * scale
    fps = track.fps / scale
    warnings: list[str] = []
    clean = clean_track(track, config=config.clean)
    scene, agreement = estimate_scene(clean.xy_px, near_side=clean.near_side)
    stride_frames = 2.0 * track.fps / clean.step_hz if clean.step_hz > 0 else float("nan")
    scene = _level_by_lines(scene, line_roll)
    contacts = _contacts_in(scene, clean, times, fps, stride_frames, config)
    roll_source = _roll_source(line_roll, clean, contacts)
    runner_xy = scene.to_runner(clean.xy_px)
    runner_raw = scene.to_runner(clean.raw_xy_px)
    lean = trunk_lean_deg(runner_xy)
    sides = {"near": clean.near_side, "far": other_side(clean.near_side)}
    angles = _contact_angles(
        contacts, clip_side=sides, runner_xy=runner_xy, runner_raw_xy=runner_raw,
        times_s=times, leg_length_px=scene.leg_length_px, config=config,
    )  # fmt: skip
    stride_s_prior = 2.0 * scale / clean.step_hz if clean.step_hz > 0 else float("nan")
    cadence, cadence_note = _choose_cadence(
        contacts, rhythm_spm=60.0 * clean.step_hz / scale, stride_s_prior=stride_s_prior
    )
    warnings += [cadence_note] if cadence_note else []
    duty = duty_factor(contacts, leg="near")
    reason = _running_check(
        clean_xy=clean.xy_px,
        contacts=contacts,
        cadence=cadence,
        cadence_video=cadence * scale if np.isfinite(cadence) else cadence,
        duty=duty,
        hip_low_share=_hip_low_share(runner_xy, contacts, stride_frames, scene.leg_length_px),
        options=options,
        config=config,
    )
    strides = [] if reason else _strides(
        contacts, runner_xy=runner_xy, times_s=times, leg_length_px=scene.leg_length_px,
        lean=lean,
    )  # fmt: skip
    warnings += _degradation_warnings(track, clean, scene, contacts, fps, agreement, roll_source)
    return ClipAnalysis(
        track=track,
        clean=clean,
        scene=scene,
        options=options,
        times_s=times,
        fps=fps,
        runner_xy=runner_xy,
        runner_raw_xy=runner_raw,
        contacts=contacts,
        angles=angles,
        strides=strides,
        lean_deg=lean,
        cadence_spm=cadence,
        duty_factor=duty,
        running=not reason,
        not_running_reason=reason,
        facing_agreement=agreement,
        roll_source=roll_source,
        warnings=warnings,
    )


def _degradation_warnings(
    track: PoseTrack,
    clean: CleanTrack,
    scene: Scene,
    contacts: list[Contact],
    fps: float,
    facing_agreement: float,
    roll_source: str,
) -> list[str]:
    """Warnings about data that is usable but degraded."""
    out: list[str] = []
    rate = track.detection_rate
    if rate < 0.9:
        out.append(f"the runner was detected on only {100 * rate:.0f} % of frames")
    if fps < 60:
        out.append(
            f"frame rate {fps:.0f} fps: contact times are resolved to ±{1000 / fps:.0f} ms "
            "(one frame) at best (on real 30 fps test clips, 97 % of landings were within "
            "2 frames of the eye's, and mirroring a clip moved its median contact time by "
            "up to 40 ms); the foot slaps flat within about one frame, so the strike angle "
            "can be several degrees off (up to 6.9° on synthetic 30 fps tests); 60 fps or "
            "more is recommended"
        )
    if not scene.roll_reliable:
        out.append(
            "camera roll could not be measured (no clear level or plumb lines in the scene): "
            f"the camera is assumed level ({roll_source}); a tilted camera tilts every angle "
            "by as much"
        )
    elif abs(scene.roll_deg) > 2:
        out.append(f"camera roll of {scene.roll_deg:.1f}° measured and removed")
    if facing_agreement < 0.8:
        out.append(f"facing direction uncertain ({100 * facing_agreement:.0f} % of cues agree)")
    far = [c for c in contacts if c.leg == "far"]
    if far and not any(c.landing_usable for c in far):
        out.append("the far leg is never measured well enough; figures use the near leg only")
    unusable = [c for c in contacts if not c.usable]
    if unusable:
        kept = sum(c.landing_usable for c in unusable)
        keep = "keeps its" if kept == 1 else "keep their"
        landing = f"; {kept} of them {keep} landing angles" if kept else ""
        out.append(
            f"{len(unusable)} of {len(contacts)} contacts unusable{landing} "
            "(report.json gives each contact's reason)"
        )
    if clean.swaps_fixed:
        out.append(
            f"left/right leg labels swapped by the pose model on {clean.swaps_fixed} "
            "frames; corrected"
        )
    return out
