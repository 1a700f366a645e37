"""The bridge from a web session to :func:`formcheck.pipeline.analyze_run`."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from formcheck.analysis import AnalysisOptions
from formcheck.errors import AnalysisError
from formcheck.progress import ProgressReporter
from formcheck.web.models import RunSession
from formcheck.web.storage import upload_path


def clip_options(session: RunSession) -> tuple[list[Path], list[AnalysisOptions]]:
    """The session's received clips (in run order) and their analysis options."""
    clips = list(session.clips.filter(state="received").order_by("elapsed_s", "id"))
    if not clips:
        raise AnalysisError(f"session {session.uid}: expected at least one received clip, got none")
    belt = session.belt_speed_kmh / 3.6 if session.belt_speed_kmh else None
    height = session.height_cm / 100.0 if session.height_cm else None
    options = [
        AnalysisOptions(belt_speed_mps=belt, runner_height_m=height, elapsed_offset_s=c.elapsed_s)
        for c in clips
    ]
    return [upload_path(c.uid) for c in clips], options


def analyze_session(session: RunSession, out_dir: Path, progress: ProgressReporter) -> None:
    """Analyse the session's clips into ``out_dir`` (replaced only when complete)."""
    from formcheck.pipeline import analyze_run

    videos, options = clip_options(session)
    analyze_run(
        videos,
        config=settings.FORMCHECK_ANALYSIS_CONFIG,
        options=options,
        out_dir=out_dir,
        progress=progress,
        annotated_video=True,
        html=True,
        athlete=session.athlete_answers(),
    )
