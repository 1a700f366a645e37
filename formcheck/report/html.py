"""``report.html``: one self-contained page a runner can read and a coach can share.

Rendered from the shared autoescaping templates (``templates/report/page.html``
and the partials the web app's review page uses too) by Django's template
engine run standalone (:mod:`formcheck.report.templating`): no settings, no
``django.setup()``. Everything is inline: the shared stylesheet in a
``<style>`` element, plots and keyframes as ``data:`` URIs; there is no
script and a Content-Security-Policy forbids loading anything else, so the
page opens from disk or an e-mail attachment and makes no request. Every
text from the report, and the athlete's own answers, is escaped by the
template engine. The layout is a single column on a phone and a grid of
cards on a wider screen.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import mark_safe

from formcheck.report import view
from formcheck.report.plots import Plot
from formcheck.report.templating import render, stylesheet

CHECKLIST = view.CHECKLIST
FINDING_TITLES = view.FINDING_TITLES
STATUS_LABELS = view.STATUS_LABELS
TITLE = "Running form report"


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
    """Escape any value for HTML text or an attribute (as the templates' autoescaping does)."""
    return html.escape(str(value), quote=True)


def data_uri(mime: str, data: bytes) -> str:
    """``data:`` URI of bytes."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _figure(
    *, anchor: str, mime: str, data: bytes, title: str, caption: str, width: int, height: int
) -> dict[str, str]:
    return {
        "anchor": anchor,
        "src": data_uri(mime, data),
        "title": title,
        "caption": caption,
        "width": str(width),
        "height": str(height),
    }


def _plot_figure(p: Plot) -> dict[str, str]:
    return _figure(
        anchor=f"plot-{p.name}",
        mime="image/png",
        data=p.png,
        title=p.title,
        caption=p.caption,
        width=p.width,
        height=p.height,
    )


def _image_figure(im: EmbeddedImage) -> dict[str, str]:
    return _figure(
        anchor=f"kf-{im.name}",
        mime=im.mime,
        data=im.data,
        title=im.title,
        caption=im.caption,
        width=im.width,
        height=im.height,
    )


def page_context(
    *,
    report: dict[str, Any],
    plots: list[Plot],
    images: list[EmbeddedImage],
    video_files: list[str],
) -> dict[str, Any]:
    """The context of ``report/page.html``: text, lists of text, and the stylesheet."""
    athlete = view.athlete_rows(report.get("athlete"))
    name = (report.get("athlete") or {}).get("name")
    return {
        "title": f"{TITLE} · {name}" if name else TITLE,
        "css": mark_safe(stylesheet()),  # formcheck's own file, never user text
        "video_lines": view.video_lines(report),
        "video_files": list(video_files),
        "running": bool(report.get("running")),
        "headline": view.headline(report),
        "findings": view.finding_cards(report, images=images),
        "dynamics_header": view.DYNAMICS_HEADER,
        "dynamics": view.dynamics_rows(report.get("summary") or {}),
        "long_run": view.long_run_view(report),
        "plots": [_plot_figure(p) for p in plots],
        "single": [_image_figure(im) for im in images if im.role in ("representative", "flagged")],
        "pair": [_image_figure(im) for im in images if im.role in ("early", "late")],
        "answers": athlete,
        "checklist": CHECKLIST,
        "not_running_reason": report.get("not_running_reason")
        or "no running was found in the video",
        "warnings": [str(w) for w in report.get("warnings") or []],
        "method_header": ("Item", "Value"),
        "method": view.method_rows(report),
        "config_header": ("Setting", "Value"),
        "config": view.chosen_config_rows(report),
        "disclaimer": str(report.get("disclaimer", "")),
    }


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
        The ``report.json`` dictionary (with ``long_run`` in long-run mode, and
        ``athlete`` when the web app's upload page collected answers).
    plots : list of Plot
    images : list of EmbeddedImage
        Keyframes (representative, flagged, early, late).
    video_files : list of str
        Annotated video file names beside the report (linked, not embedded).
    """
    context = page_context(report=report, plots=plots, images=images, video_files=video_files)
    return render("report/page.html", context)
