"""Allow ``python -m formcheck``."""

from formcheck.cli import main

raise SystemExit(main())
