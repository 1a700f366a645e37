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
from typing import Literal

import numpy as np

from formcheck.capture.track import PoseTrack
from formcheck.config import Config
from formcheck.gait.clean import CleanTrack, clean_track, refilter_at_step
from formcheck.gait.contact import Contact
from formcheck.gait.contact_checks import is_step_of_its_leg
from formcheck.gait.events import detect_contacts
from formcheck.gait.horizon import LineRoll
from formcheck.gait.rhythm import Rhythm, step_rhythm
from formcheck.gait.running import hip_low_share, not_running_reason
from formcheck.gait.scene import Scene, estimate_scene, stance_ground_roll
from formcheck.landmarks import other_side
from formcheck.metrics.angles import (
    ear_shoulder_distance,
    head_forward_deg,
    hip_mid,
    trunk_lean_deg,
)
from formcheck.metrics.contact_angles import ContactAngles, contact_angles, implausible_landing
from formcheck.metrics.dynamics import cadence_spm, duty_factor, vertical_oscillation

# Cadence assumed to set an analysis clock on a clip that looks like slow
# motion and has no capture rate: typical of recreational running (about 170
# steps/min at 3 m/s, Lieberman 2015; METRICS.md). Only event-search windows
# depend on it; no time is reported on this clock.
ASSUMED_CADENCE_SPM = 170.0
# Typical running cadences used to bracket the slow-motion factor.
_TYPICAL_CADENCE_SPM = (150.0, 190.0)
# Cadence cross-check: timed contacts needed, and the relative disagreement
# with the step rhythm above which a note is written.
_MIN_CADENCE_CONTACTS = 8
_CADENCE_AGREEMENT = 0.04
# Timed contacts below this share of the steps the rhythm counts: steps missed.
_MISSED_STEPS_SHARE = 0.6


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


Clock = Literal["stored", "capture_fps", "assumed"]


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
    clock : {"stored", "capture_fps", "assumed"}
        Where real time came from: the stored frame times, the capture rate
        given, or (a clip that looks like slow motion, no capture rate) a
        clock assumed from the step rhythm at ``ASSUMED_CADENCE_SPM``: then
        cadence and contact times are unknown and the angles stand.
    rhythm : Rhythm or None
        The clip's step rhythm in frames (:mod:`formcheck.gait.rhythm`).
    span_reason : str
        Which frames were analysed as running and why the rest was left out.
    step_leans : list of (frame, degrees)
        Mean trunk lean over each step (landing to the next landing of
        either leg), with the step's middle frame: lean on a clip too short
        for strides.
    span_lean_deg : float
        Median trunk lean over the running span's frames (needs no contact).
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
    clock: Clock = "stored"
    rhythm: Rhythm | None = None
    span_reason: str = ""
    step_leans: list[tuple[int, float]] = field(default_factory=list)
    span_lean_deg: float = float("nan")

    @property
    def clock_known(self) -> bool:
        """Whether times are real: stored time or the capture rate given
        (not a clock assumed for a clip that looks like slow motion)."""
        return self.clock != "assumed"

    @property
    def near_side(self) -> str:
        """MediaPipe side label of the near leg."""
        return self.clean.near_side

    def side_of(self, leg: str) -> str:
        """MediaPipe side label of ``"near"`` or ``"far"``."""
        return self.near_side if leg == "near" else other_side(self.near_side)


def _time_scale(
    track: PoseTrack, options: AnalysisOptions, rhythm: Rhythm, config: Config
) -> tuple[float, Clock]:
    """Real seconds per video second, and where it came from.

    With the capture rate given, that. Otherwise a step rhythm slower than
    any running cadence (in stored time) means slow motion of unknown
    factor: the clock is set so that the rhythm reads
    ``ASSUMED_CADENCE_SPM``, which puts the event-search windows and the
    filter on the right scale; no time measured on it is reported.
    """
    if options.capture_fps:
        return track.fps / options.capture_fps, "capture_fps"
    if rhythm.found:
        stored_spm = 60.0 * track.fps / rhythm.step_frames
        if stored_spm < config.gait.min_cadence_spm:
            return stored_spm / ASSUMED_CADENCE_SPM, "assumed"
    return 1.0, "stored"


def slow_motion_note(stored_spm: float) -> str:
    """What a clip that looks like slow motion gets, and what to give for the rest."""
    lo, hi = (c / stored_spm for c in _TYPICAL_CADENCE_SPM)
    mid = ASSUMED_CADENCE_SPM / stored_spm
    return (
        f"the step rhythm ({stored_spm:.0f} steps/min in stored time) looks like about "
        f"{mid:.1f}x slow motion ({lo:.1f}x-{hi:.1f}x for a runner at "
        f"{_TYPICAL_CADENCE_SPM[0]:.0f}-{_TYPICAL_CADENCE_SPM[1]:.0f} steps/min); lean, foot "
        "strike and overstride need no clock and are measured where the landings allow; give "
        "--capture-fps (e.g. 240) for cadence and contact time"
    )


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


def _step_leans(
    contacts: list[Contact], *, lean: np.ndarray, step_frames: float
) -> list[tuple[int, float]]:
    """Mean trunk lean over each step between consecutive landings (either leg).

    A gap between landings more than 0.5-1.6 step periods long is not one
    step (a landing missed or found twice) and is skipped.
    """
    ics = sorted(c.ic_frame for c in contacts if c.timed and is_step_of_its_leg(c))
    out = []
    for a, b in itertools.pairwise(ics):
        if not (np.isfinite(step_frames) and 0.5 * step_frames <= b - a <= 1.6 * step_frames):
            continue
        seg = lean[a:b]
        if np.isfinite(seg).sum() >= 0.5 * seg.size > 0:
            out.append(((a + b) // 2, float(np.nanmean(seg))))
    return out


def _span_lean(lean: np.ndarray, rhythm: Rhythm) -> float:
    """Median trunk lean over the running span (NaN without any)."""
    seg = lean[rhythm.span[0] : rhythm.span[1]] if rhythm.found else lean[:0]
    seg = seg[np.isfinite(seg)]
    return float(np.median(seg)) if seg.size else float("nan")


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


def _in_span(contacts: list[Contact], rhythm: Rhythm) -> list[Contact]:
    """The contacts whose landing lies in the running span."""
    start, end = rhythm.span
    return [c for c in contacts if start <= c.ic_frame < end]


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
) -> tuple[list[Contact], list[ContactAngles | None]]:
    """Angles of each contact whose landing is usable (None for the others).

    A landing whose angles no running landing shows is set aside (its
    contact returned unusable, with the reason) rather than measured.
    """
    strike = config.findings.heel_strike
    frame_s = float(np.median(np.diff(times_s))) if times_s.size > 1 else 0.0
    angles = [
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
    kept = list(contacts)
    for k, (c, a) in enumerate(zip(contacts, angles, strict=True)):
        reason = implausible_landing(a) if a is not None else ""
        if reason:
            kept[k] = dataclasses.replace(c, usable=False, landing_usable=False, reason=reason)
            angles[k] = None
    return kept, angles


def _choose_cadence(
    contacts: list[Contact], *, rhythm_spm: float, stride_s_prior: float, rhythm: Rhythm
) -> tuple[float, str]:
    """Cadence from the step rhythm, cross-checked against the contacts.

    The step rhythm (:mod:`formcheck.gait.rhythm`: several signals' autocorrelation
    over the running span, or the legs' crossings) is the most robust to
    missed or spurious contacts and to coarse frame rates, and the
    autocorrelation peak is refined to a fraction of a frame. Contacts give
    the cadence only when no rhythm was found. When the contacts cover
    clearly fewer steps than the rhythm counts in the span, the note says
    how many were found; the cadence is never taken from half the steps.
    Returns the cadence and a note ("" if none).
    """
    from_contacts = cadence_spm(contacts, stride_s_prior=stride_s_prior)
    n_timed = sum(c.timed for c in contacts)
    if not (np.isfinite(rhythm_spm) and rhythm_spm > 0):
        return from_contacts, ""
    note = ""
    expected = (rhythm.span[1] - rhythm.span[0]) / rhythm.step_frames if rhythm.found else 0.0
    if expected >= _MIN_CADENCE_CONTACTS and n_timed < _MISSED_STEPS_SHARE * expected:
        note = (
            f"{n_timed} timed contacts found of about {expected:.0f} steps in the running span: "
            f"steps were missed; the cadence comes from the step rhythm of the legs and hips"
        )
    elif (
        np.isfinite(from_contacts)
        and n_timed >= _MIN_CADENCE_CONTACTS
        and abs(from_contacts / rhythm_spm - 1) > _CADENCE_AGREEMENT
    ):
        note = (
            f"the {n_timed} timed contacts give {from_contacts:.1f} steps/min against a step "
            f"rhythm of {rhythm_spm:.1f}: some contacts were missed or misplaced"
        )
    return rhythm_spm, note


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
    clean = clean_track(track, config=config.clean)
    rhythm = step_rhythm(clean.xy_px)
    scale, clock = _time_scale(track, options, rhythm, config)
    if scale != 1.0:
        clean = clean_track(track, config=config.clean, time_scale=scale)
    if rhythm.found:
        clean = refilter_at_step(
            clean, step_hz=track.fps / rhythm.step_frames, time_scale=scale, config=config.clean
        )
    times = track.timestamps_s * scale
    fps = track.fps / scale
    warnings: list[str] = []
    # The scene (facing, ground, scale) from the running span: a sprinter
    # crouched in the blocks or a runner stepping onto the belt faces, stands
    # and scales differently (sprint starts: facing cues 50-68 % agreed over
    # the whole clip, 71-86 % over the span; one flipped its facing).
    start, end = rhythm.span if rhythm.found else (0, track.n_frames)
    scene, agreement = estimate_scene(clean.xy_px[start:end], near_side=clean.near_side)
    stride_frames = 2.0 * track.fps / clean.step_hz if clean.step_hz > 0 else float("nan")
    scene = _level_by_lines(scene, line_roll)
    contacts = _in_span(_contacts_in(scene, clean, times, fps, stride_frames, config), rhythm)
    clock_notes: list[str] = []
    if clock == "assumed":
        contacts = [dataclasses.replace(c, clock_known=False) for c in contacts]
        clock_notes.append(slow_motion_note(60.0 * track.fps / rhythm.step_frames))
    warnings += clock_notes
    warnings += [rhythm.span_reason] if rhythm.span_reason else []
    roll_source = _roll_source(line_roll, clean, contacts)
    runner_xy = scene.to_runner(clean.xy_px)
    runner_raw = scene.to_runner(clean.raw_xy_px)
    lean = trunk_lean_deg(runner_xy)
    sides = {"near": clean.near_side, "far": other_side(clean.near_side)}
    contacts, angles = _contact_angles(
        contacts, clip_side=sides, runner_xy=runner_xy, runner_raw_xy=runner_raw,
        times_s=times, leg_length_px=scene.leg_length_px, config=config,
    )  # fmt: skip
    stride_s_prior = 2.0 * scale / clean.step_hz if clean.step_hz > 0 else float("nan")
    cadence, cadence_note = _choose_cadence(
        contacts,
        rhythm_spm=60.0 * clean.step_hz / scale,
        stride_s_prior=stride_s_prior,
        rhythm=rhythm,
    )
    warnings += [cadence_note] if cadence_note else []
    duty = duty_factor(contacts, leg="near")
    reason = not_running_reason(
        clean_xy=clean.xy_px,
        rhythm=rhythm,
        contacts=contacts,
        cadence=cadence,
        clock_known=clock != "assumed",
        duty=duty,
        hip_low_share=hip_low_share(runner_xy, contacts, stride_frames, scene.leg_length_px),
        facing_agreement=agreement,
        config=config,
    )
    if clock == "assumed":
        cadence = float("nan")
    strides = [] if reason else _strides(
        contacts, runner_xy=runner_xy, times_s=times, leg_length_px=scene.leg_length_px,
        lean=lean,
    )  # fmt: skip
    if reason:
        # Nothing analysed: only what explains the refusal stays, and the
        # slow-motion note (the frame rate, the roll, the span and the
        # contacts qualify numbers not given).
        warnings = clock_notes + _detection_warning(track)
    else:
        warnings += _degradation_warnings(
            track, clean, scene, contacts, fps if clock != "assumed" else float("nan"),
            agreement, roll_source,
        )  # fmt: skip
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
        clock=clock,
        rhythm=rhythm,
        span_reason=rhythm.span_reason,
        step_leans=[]
        if reason
        else _step_leans(contacts, lean=lean, step_frames=0.5 * stride_frames),
        span_lean_deg=float("nan") if reason else _span_lean(lean, rhythm),
    )


def _detection_warning(track: PoseTrack) -> list[str]:
    """The one warning that still explains a clip with no running analysed."""
    rate = track.detection_rate
    return [f"the runner was detected on only {100 * rate:.0f} % of frames"] if rate < 0.9 else []


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
    out = _detection_warning(track)
    if np.isfinite(fps) and fps < 60:
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
