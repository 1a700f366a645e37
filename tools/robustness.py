"""The robustness grid: the whole pipeline on domain-randomised rendered clips.

For each factor of :mod:`formcheck.synthetic.domain` (body, skin, clothes,
camera placement and perspective, lens, shutter blur, compression, noise,
lighting, clutter, occluders, clip length, frame rate, slow motion, runner
size, facing and roll) this renders a few short clips that differ from a
baseline in that factor only, plus fully random clips, runs the whole
pipeline on each (pose pass with the runner chosen among the people seen,
analysis, summary, findings; no report files), and compares with the
synthetic truth. It writes one table per factor to ``docs/robustness.md``
(between markers) and every per-clip row to ``--json``.

Per clip it scores: overstride and heel strike "unknown"; cadence error
(steps/min; the capture rate is given for slow motion unless the case says
not); forward-lean error (finding's median minus the truth's median stride
lean); strike class right (the heel-strike finding's class against the class
of the truth's median strike angle, near leg); overstride status right (the
finding's status against the status the truth's median shank angle and
foot-ahead distance give with the configured limits). A case is "clear" when
the truth lies 5 degrees or more from every cut-off that separates its class
or status from another (strike angle >= 13 or <= -6.6; shank >= 15 or <= 1).

Usage (repository root; model bundle from ``formcheck setup``; one
MediaPipe process, about 5-15 s per clip on one core)::

    python tools/robustness.py                 # the whole grid -> docs/robustness.md
    python tools/robustness.py --quick         # 6 clips, prints the tables
    python tools/robustness.py --only occluders --only fps

Seeded and deterministic: the same code renders the same clips.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.synthetic.camera import CameraParams
from formcheck.synthetic.domain import (
    SHOES,
    SKINS,
    Domain,
    Lighting,
    random_domain,
    random_runner,
    render_domain_clip,
)
from formcheck.synthetic.draw import BodyLook, RenderStyle
from formcheck.synthetic.kinematics import RunnerParams
from formcheck.synthetic.occluders import Clutter, ConsoleUpright, NearRails, SecondPerson
from formcheck.synthetic.truth import Truth
from formcheck.synthetic.view import PinholeView

DOC_START = "<!-- robustness:start -->"
DOC_END = "<!-- robustness:end -->"
CLEAR_MARGIN_DEG = 5.0

# Gaits with known answers: clear overstrider + rearfoot; clear "ok" + midfoot;
# clear ok + forefoot; rearfoot without overstriding (shank 4: status ok, not clear).
GAITS: dict[str, RunnerParams] = {
    "overstrider": RunnerParams(
        cadence_spm=160.0,
        duty_factor=0.36,
        foot_strike_angle_deg=20.0,
        shank_angle_ic_deg=16.0,
        knee_flexion_ic_deg=8.0,
        trunk_lean_deg=12.0,
        first_ic_s=0.15,
    ),
    "efficient": RunnerParams(
        cadence_spm=178.0,
        foot_strike_angle_deg=3.0,
        shank_angle_ic_deg=0.5,
        knee_flexion_ic_deg=22.0,
        trunk_lean_deg=4.0,
        first_ic_s=0.2,
    ),
    "forefoot": RunnerParams(
        cadence_spm=182.0,
        duty_factor=0.3,
        foot_strike_angle_deg=-8.0,
        toe_off_foot_angle_deg=-30.0,
        shank_angle_ic_deg=1.0,
        knee_flexion_ic_deg=24.0,
        trunk_lean_deg=7.0,
        first_ic_s=0.1,
    ),
    "heel-striker": RunnerParams(
        cadence_spm=168.0,
        foot_strike_angle_deg=16.0,
        shank_angle_ic_deg=4.0,
        knee_flexion_ic_deg=18.0,
        trunk_lean_deg=8.0,
        first_ic_s=0.25,
    ),
}
OTHERS = ("efficient", "forefoot", "heel-striker")

WIDTH, HEIGHT = 480, 360
BASE_CAMERA = CameraParams(
    width=WIDTH, height=HEIGHT, scale_px_per_m=150.0, ground_origin_px=(240.0, 340.0)
)
BASE = Domain(
    camera=BASE_CAMERA,
    view=PinholeView(distance_m=3.5, height_m=1.0, pitch_deg=2.0),
    duration_s=3.0,
    capture_fps=30.0,
    stored_fps=30.0,
)
# Slow-motion clips are shorter in real time (their frames cost as much).
SLOW_S = 2.0


@dataclass(frozen=True)
class Case:
    """One clip of the grid."""

    factor: str
    level: str
    gait: str
    params: RunnerParams
    domain: Domain
    seed: int
    capture_fps_given: bool = True

    @property
    def name(self) -> str:
        slug = f"{self.factor}-{self.level}-{self.gait}".replace(" ", "_").replace("/", "-")
        return "".join(ch for ch in slug if ch.isalnum() or ch in "-_.")


def _style(**kw: Any) -> RenderStyle:
    return dataclasses.replace(RenderStyle(), **kw)


def _shoes(name: str) -> RenderStyle:
    upper, heel, toe, sole = SHOES[name]
    return _style(shoe=upper, shoe_heel=heel, shoe_toe=toe, sole=sole)


def _cam(**kw: Any) -> CameraParams:
    return dataclasses.replace(BASE_CAMERA, **kw)


def _levels() -> dict[str, dict[str, Callable[[RunnerParams], tuple[RunnerParams, Domain]]]]:
    """factor -> level -> (gait -> (gait, domain)), each differing from BASE in one factor."""

    def dom(**kw: Any) -> Callable[[RunnerParams], tuple[RunnerParams, Domain]]:
        return lambda p: (p, dataclasses.replace(BASE, **kw))

    def gait(**kw: Any) -> Callable[[RunnerParams], tuple[RunnerParams, Domain]]:
        return lambda p: (dataclasses.replace(p, **kw), BASE)

    v = BASE.view
    assert v is not None
    return {
        "baseline": {"480x360, 3.5 m, 30 fps": dom()},
        "body": {
            "1.55 m, slim": lambda p: (
                dataclasses.replace(p, height_m=1.55, speed_m_s=p.speed_m_s * 1.55 / 1.75),
                dataclasses.replace(BASE, look=BodyLook(build=0.8)),
            ),
            "1.92 m, heavy": lambda p: (
                dataclasses.replace(p, height_m=1.92),
                dataclasses.replace(BASE, look=BodyLook(build=1.3)),
            ),
        },
        "skin": {
            "light": dom(style=_style(skin=SKINS["light"])),
            "very dark": dom(style=_style(skin=SKINS["very dark"])),
        },
        "clothes": {
            "loose shorts": dom(look=BodyLook(shorts_length=0.65, shorts_width=1.5)),
            "tights": dom(look=BodyLook(tights=True)),
            "dark shoes": dom(style=_shoes("dark")),
            "white shoes": dom(style=_shoes("white")),
        },
        "camera": {
            "orthographic": dom(view=None),
            "low 0.4 m, pitch -8": dom(view=PinholeView(3.0, 0.4, -8.0)),
            "high 1.7 m, pitch 14": dom(view=PinholeView(3.0, 1.7, 14.0)),
            "close 1.8 m": dom(view=PinholeView(1.8, 0.9, 0.0)),
        },
        "lens": {"barrel k1 0.15": dom(lens_k1=0.15)},
        "shutter blur": {
            "1/60 s at 30 fps": dom(shutter_fraction=0.5),
            "1/30 s at 30 fps": dom(shutter_fraction=1.0),
        },
        "compression": {"crf 36": dom(crf=36), "crf 44": dom(crf=44)},
        "noise": {"sd 8": dom(noise_sd=8.0), "sd 20": dom(noise_sd=20.0)},
        "lighting": {
            "dim": dom(lighting=Lighting(gain=0.45, gamma=1.4)),
            "bright, side-lit": dom(lighting=Lighting(gain=1.25, gamma=0.8, gradient=0.35)),
        },
        "clutter": {"gym clutter": dom(layers=(Clutter(seed=7, n_items=9),))},
        "occluders": {
            "near handrail": dom(layers=(NearRails(),)),
            "console upright": dom(layers=(ConsoleUpright(),)),
            "person in front": dom(layers=(SecondPerson(x_m=0.9),)),
            "person walking past": dom(layers=(SecondPerson(x_m=-1.5, walk_m_s=0.7),)),
        },
        "clip length": {
            "2 s": dom(duration_s=2.0),
            "3 s": dom(duration_s=3.0),
            "8 s": dom(duration_s=8.0),
        },
        "fps": {
            "24": dom(capture_fps=24.0, stored_fps=24.0),
            "60": dom(capture_fps=60.0, stored_fps=60.0),
            "120": dom(capture_fps=120.0, stored_fps=120.0),
        },
        "slow motion": {
            "4x (120 stored 30), rate given": dom(
                capture_fps=120.0, stored_fps=30.0, duration_s=SLOW_S
            ),
            "8x (240 stored 30), rate given": dom(
                capture_fps=240.0, stored_fps=30.0, duration_s=SLOW_S
            ),
            "4x, rate not given": dom(capture_fps=120.0, stored_fps=30.0, duration_s=SLOW_S),
        },
        "runner size": {
            "1/3 of a 1280x720 frame": dom(
                camera=CameraParams(
                    width=1280, height=720, scale_px_per_m=135.0, ground_origin_px=(640.0, 650.0)
                )
            ),
            "portrait 360x640": dom(
                camera=CameraParams(
                    width=360, height=640, scale_px_per_m=190.0, ground_origin_px=(180.0, 600.0)
                )
            ),
        },
        "facing, roll": {
            "facing left": gait(facing="left"),
            "roll +3": dom(camera=_cam(roll_deg=3.0)),
            "facing left, roll -3": lambda p: (
                dataclasses.replace(p, facing="left"),
                dataclasses.replace(BASE, camera=_cam(roll_deg=-3.0)),
            ),
        },
    }


N_RANDOM = 6
# (factor, level, gait) of the --quick subset (also the CI test's clips).
QUICK = (
    ("baseline", "480x360, 3.5 m, 30 fps", "overstrider"),
    ("baseline", "480x360, 3.5 m, 30 fps", "forefoot"),
    ("occluders", "person in front", "overstrider"),
)
LONG = {"clip length": {"60 s": 60.0}}


def build_cases(*, only: Sequence[str] = (), quick: bool = False, long: bool = False) -> list[Case]:
    """Every case of the grid (deterministic order and seeds).

    The baseline runs every gait; every other level one gait, taken in turn
    (overstrider, efficient, forefoot, heel-striker), so each factor sees
    several gaits. ``long`` adds a 60 s clip.
    """
    cases: list[Case] = []
    order = list(GAITS)
    k = 0
    levels = _levels()
    if long:
        levels["clip length"]["60 s"] = lambda p: (p, dataclasses.replace(BASE, duration_s=60.0))
    for factor, mine in levels.items():
        if only and factor not in only:
            continue
        for level, make in mine.items():
            names = order if factor == "baseline" else [order[k % len(order)]]
            k += factor != "baseline"
            for g in names:
                if quick and (factor, level, g) not in QUICK:
                    continue
                params, domain = make(GAITS[g])
                given = "not given" not in level
                cases.append(
                    Case(factor, level, g, params, domain, len(cases), capture_fps_given=given)
                )
    if (not only or "random" in only) and not quick:
        rng = np.random.default_rng(2026)
        for i in range(N_RANDOM):
            domain = random_domain(rng, width=WIDTH, height=HEIGHT, duration_s=BASE.duration_s)
            # At most about 150 frames (1.5 s at 240 fps), for the grid's run time.
            length = float(np.clip(150.0 / domain.capture_fps, 1.5, BASE.duration_s))
            domain = dataclasses.replace(domain, duration_s=length)
            params = random_runner(rng)
            cases.append(Case("random", f"#{i}", "random", params, domain, seed=1000 + i))
    return cases


# ------------------------------------------------------------------ scoring


def truth_overstride_status(
    truth: Truth, *, flag_deg: float, caution_deg: float, ahead: float
) -> str:
    """The status the truth's near-leg median shank angle and foot-ahead give."""
    near = truth.contacts_of("near") or truth.contacts
    shank = float(np.median([c.shank_angle_deg for c in near]))
    fa = float(np.median([c.foot_ahead_leg_lengths for c in near]))
    if shank > flag_deg and fa > ahead:
        return "flag"
    if shank >= caution_deg:
        return "caution"
    return "ok"


def truth_strike(truth: Truth, *, rearfoot_deg: float, forefoot_deg: float) -> tuple[str, float]:
    """(class, median strike angle) of the truth's near-leg contacts."""
    near = truth.contacts_of("near") or truth.contacts
    fsa = float(np.median([c.foot_strike_angle_deg for c in near]))
    cls = "rearfoot" if fsa > rearfoot_deg else "forefoot" if fsa < forefoot_deg else "midfoot"
    return cls, fsa


def score(
    *,
    findings: Mapping[str, tuple[str, Any]],
    cadence_spm: float,
    truth: Truth,
    config: Any,
    cadence_comparable: bool,
) -> dict[str, Any]:
    """One row of scores from the findings ({id: (status, value)}) and the truth."""
    f = config.findings
    o, h = f.overstride, f.heel_strike
    t_status = truth_overstride_status(
        truth,
        flag_deg=o.flag_shank_angle_deg,
        caution_deg=o.caution_shank_angle_deg,
        ahead=o.flag_foot_ahead_leg_lengths,
    )
    near = truth.contacts_of("near") or truth.contacts
    shank = float(np.median([c.shank_angle_deg for c in near]))
    t_class, fsa = truth_strike(
        truth, rearfoot_deg=h.rearfoot_above_deg, forefoot_deg=h.forefoot_below_deg
    )
    lean_true = (
        float(np.median([s.trunk_lean_mean_deg for s in truth.strides]))
        if truth.strides
        else float("nan")
    )
    o_status, _ = findings["overstride"]
    s_status, s_value = findings["heel_strike"]
    l_status, l_value = findings["forward_lean"]
    cad_err = cadence_spm - truth.cadence_spm if cadence_comparable else float("nan")
    return {
        "true_cadence_spm": truth.cadence_spm,
        "cadence_spm": cadence_spm,
        "cadence_err_spm": cad_err,
        "cadence_comparable": cadence_comparable,
        "true_lean_deg": lean_true,
        "lean_err_deg": (float(l_value) - lean_true) if l_status != "unknown" else float("nan"),
        "lean_unknown": l_status == "unknown",
        "true_strike_class": t_class,
        "true_strike_angle_deg": fsa,
        "strike_clear": min(abs(fsa - h.rearfoot_above_deg), abs(fsa - h.forefoot_below_deg))
        >= CLEAR_MARGIN_DEG,
        "strike_unknown": s_status == "unknown",
        "strike_class": s_value if s_status != "unknown" else None,
        "strike_right": s_status != "unknown" and s_value == t_class,
        "true_overstride": t_status,
        "true_shank_deg": shank,
        "overstride_clear": shank >= o.flag_shank_angle_deg + CLEAR_MARGIN_DEG
        or shank <= o.caution_shank_angle_deg - CLEAR_MARGIN_DEG,
        "overstride_unknown": o_status == "unknown",
        "overstride_status": o_status,
        "overstride_right": o_status == t_status,
        # Agreement as in issue 12: an overstrider (truth flag or caution) gets
        # flag or caution, a runner who does not overstride gets ok.
        "overstride_agrees": (o_status in ("flag", "caution")) == (t_status != "ok")
        and o_status != "unknown",
        "visible_steps": len(truth.contacts),
    }


def run_case(case: Case, workdir: Path, config: Any) -> dict[str, Any]:
    """Render one case, run the pipeline on it, and score it."""
    from formcheck.analysis import AnalysisOptions, analyze_clip
    from formcheck.assess.findings import all_findings
    from formcheck.assess.summary import summarize
    from formcheck.pipeline import extract_pose

    path = workdir / f"{case.name}.mp4"
    t0 = time.perf_counter()
    truth = render_domain_clip(params=case.params, domain=case.domain, path=path, seed=case.seed)
    t1 = time.perf_counter()
    slow = case.domain.slow_motion != 1.0
    given = case.capture_fps_given and slow
    opts = AnalysisOptions(capture_fps=case.domain.capture_fps if given else None)
    pose = extract_pose(path, config=config)
    clip = analyze_clip(pose.track, config=config, options=opts, line_roll=pose.line_roll)
    not_running = "" if clip.running else clip.not_running_reason
    summary = summarize([clip], config=config)
    found = all_findings(summary, config.findings, not_running=not_running)
    t2 = time.perf_counter()
    findings: dict[str, tuple[str, Any]] = {x.id: (x.status, x.value) for x in found}
    row = {
        "factor": case.factor,
        "level": case.level,
        "gait": case.gait,
        "seed": case.seed,
        "render_s": round(t1 - t0, 1),
        "analyse_s": round(t2 - t1, 1),
        "detected": float(pose.track.detected.mean()),
        "reasons": {x.id: x.reason for x in found if x.status == "unknown"},
        **score(
            findings=findings,
            cadence_spm=float(summary.cadence_spm),
            truth=truth,
            config=config,
            cadence_comparable=not slow or given,
        ),
    }
    path.unlink(missing_ok=True)
    return row


# ------------------------------------------------------------------ tables


def _pct(values: Sequence[bool]) -> str:
    return f"{100 * np.mean(values):.0f} % ({sum(values)}/{len(values)})" if values else "-"


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Table cells for a group of rows."""
    cad = np.array([r["cadence_err_spm"] for r in rows if r["cadence_comparable"]], dtype=float)
    lean = np.array([r["lean_err_deg"] for r in rows], dtype=float)
    clear_s = [r["strike_right"] for r in rows if r["strike_clear"]]
    clear_o = [r["overstride_right"] for r in rows if r["overstride_clear"]]
    clear_a = [r["overstride_agrees"] for r in rows if r["overstride_clear"]]
    cad_ok = [bool(np.isfinite(e) and abs(e) <= 2.0) for e in cad]
    fin = lean[np.isfinite(lean)]
    return {
        "n": str(len(rows)),
        "detected": f"{100 * np.mean([r['detected'] for r in rows]):.0f} %",
        "overstride unknown": _pct([r["overstride_unknown"] for r in rows]),
        "heel strike unknown": _pct([r["strike_unknown"] for r in rows]),
        "cadence within 2": _pct(cad_ok),
        "cadence err (median abs)": f"{np.nanmedian(np.abs(cad)):.1f}"
        if np.isfinite(cad).any()
        else "-",
        "lean err (median abs, worst)": (
            f"{np.median(np.abs(fin)):.1f}, {fin[np.argmax(np.abs(fin))]:+.1f}" if fin.size else "-"
        )
        + (f"; {int((~np.isfinite(lean)).sum())} unknown" if (~np.isfinite(lean)).any() else ""),
        "strike class right (all; clear)": (
            f"{_pct([r['strike_right'] for r in rows])}; {_pct(clear_s)}"
        ),
        "overstride status right (all; clear)": (
            f"{_pct([r['overstride_right'] for r in rows])}; {_pct(clear_o)}"
        ),
        "overstride agrees (all; clear)": (
            f"{_pct([r['overstride_agrees'] for r in rows])}; {_pct(clear_a)}"
        ),
    }


def tables(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown: one table per factor (a row per level), then the totals."""
    out: list[str] = []
    cols = list(aggregate(rows[:1]).keys()) if rows else []
    head = "| level | " + " | ".join(cols) + " |\n|---|" + "---|" * len(cols)
    factors = list(dict.fromkeys(r["factor"] for r in rows))
    for factor in factors:
        mine = [r for r in rows if r["factor"] == factor]
        out.append(f"\n**{factor}**\n\n{head}")
        for level in dict.fromkeys(r["level"] for r in mine):
            cells = aggregate([r for r in mine if r["level"] == level])
            out.append("| " + level + " | " + " | ".join(cells.values()) + " |")
    eligible = [r for r in rows if r["visible_steps"] >= 4]
    out.append(f"\n**all clips with 4+ visible steps** (side view, all of them)\n\n{head}")
    out.append("| all | " + " | ".join(aggregate(eligible).values()) + " |")
    return "\n".join(out) + "\n"


def write_doc(doc: Path, body: str) -> None:
    """Replace the text between the markers in ``doc`` (create it if missing)."""
    block = f"{DOC_START}\n{body}{DOC_END}"
    if doc.is_file():
        text = doc.read_text(encoding="utf-8")
        if DOC_START in text and DOC_END in text:
            pre, rest = text.split(DOC_START, 1)
            post = rest.split(DOC_END, 1)[1]
            doc.write_text(pre + block + post, encoding="utf-8")
            return
        doc.write_text(text.rstrip() + "\n\n" + block + "\n", encoding="utf-8")
        return
    doc.write_text(f"# Robustness grid\n\n{block}\n", encoding="utf-8")


def run_grid(cases: Sequence[Case], config: Any, json_path: Path | None) -> list[dict[str, Any]]:
    """Run every case (progress on stderr); rows saved to ``json_path`` after each."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="formcheck-grid-") as tmp:
        for i, case in enumerate(cases):
            row = run_case(case, Path(tmp), config)
            rows.append(row)
            print(
                f"[{i + 1}/{len(cases)}] {case.factor} / {case.level} / {case.gait}: "
                f"overstride {row['overstride_status']} (truth {row['true_overstride']}), "
                f"strike {row['strike_class']} (truth {row['true_strike_class']}), "
                f"cadence {row['cadence_err_spm']:+.1f}, lean {row['lean_err_deg']:+.1f} "
                f"[{row['render_s']} + {row['analyse_s']} s]",
                file=sys.stderr,
                flush=True,
            )
            if json_path is not None:
                json_path.write_text(json.dumps(rows, indent=1, default=float), encoding="utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 clips (the CI subset)")
    parser.add_argument("--long", action="store_true", help="add a 60 s clip")
    parser.add_argument("--only", action="append", default=[], help="only this factor (repeatable)")
    parser.add_argument("--write-doc", type=Path, default=None, help="markdown file to update")
    parser.add_argument(
        "--json", type=Path, default=None, help="write every per-clip row here (after each clip)"
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="make the tables from rows saved by --json instead of running the grid",
    )
    args = parser.parse_args(argv)
    from formcheck.config import Config

    warnings.simplefilter("ignore", RuntimeWarning)
    if args.from_json:
        rows = json.loads(args.from_json.read_text(encoding="utf-8"))
    else:
        rows = run_grid(
            build_cases(only=args.only, quick=args.quick, long=args.long), Config(), args.json
        )
    body = tables(rows)
    if args.write_doc:
        write_doc(args.write_doc, body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
