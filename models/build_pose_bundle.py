"""Build the offline MediaPipe pose model bundle (same as ``formcheck setup``).

Run from anywhere in a source checkout, e.g. ``python models/build_pose_bundle.py``.
See ``models/README.md`` for what it does and where the models come from.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's formcheck

from formcheck.capture.model_bundle import build_bundle, default_model_path
from formcheck.errors import ModelError


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, build the bundle and return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=None, help=f"bundle to write (default: {default_model_path()})"
    )
    parser.add_argument(
        "--wheel",
        type=Path,
        default=None,
        help="a local mediapipe==0.10.21 wheel (default: models/.cache, else pip download)",
    )
    parser.add_argument(
        "--force", action="store_true", help="rebuild even if the bundle already verifies"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        path = build_bundle(out_path=args.out, wheel_path=args.wheel, force=args.force, log=print)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"pose model bundle ready at {path} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
