"""The shared templates and stylesheet, and Django's template engine run standalone.

``report.html`` (CLI) and the web app's pages use the same templates in
``templates/report/`` and the same stylesheet ``static/report/design.css``:
one design. The CLI renders with :class:`django.template.Engine` directly,
which needs no settings and no ``django.setup()``, so ``formcheck analyze``
never configures Django. Autoescaping is on: every ``{{ value }}`` is
escaped. The context holds text only (numbers formatted by
:mod:`formcheck.report.view`), and localization is off, so rendering never
reads Django settings. The web app adds :data:`TEMPLATE_DIR` to its
template directories and serves :data:`STATIC_DIR`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.template import Engine

TEMPLATE_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
STYLESHEET = STATIC_DIR / "report" / "design.css"


@functools.cache
def engine() -> Engine:
    """The standalone engine over :data:`TEMPLATE_DIR` (autoescaping, no settings)."""
    from django.template import Engine

    return Engine(dirs=[str(TEMPLATE_DIR)], autoescape=True, debug=False)


@functools.cache
def stylesheet() -> str:
    """The shared stylesheet's text, to inline in a ``<style>`` element."""
    return STYLESHEET.read_text(encoding="utf-8")


def render(name: str, context: dict[str, Any]) -> str:
    """Render a template of :data:`TEMPLATE_DIR` with autoescaping, without settings.

    Parameters
    ----------
    name : str
        Template name, e.g. ``report/page.html``.
    context : dict
        Text values (or lists and dicts of them); escaped when shown.
    """
    from django.template import Context

    template = engine().get_template(name)
    return template.render(Context(context, autoescape=True, use_l10n=False, use_tz=False))
