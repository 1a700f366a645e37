"""Settings for worker subprocesses in the fault tests: the app's, with the stand-in analysis."""

from formcheck.web.settings import *  # noqa: F403

FORMCHECK_ANALYZE = "tests.web.fake_analysis.analyze"
