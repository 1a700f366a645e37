"""Test helper run as a subprocess on the data folder named by ``FORMCHECK_DATA``.

``python -m tests.web.jobctl enqueue VIDEO [N]`` sets the folder up (migrations
included), creates a coach, an athlete and N sessions holding a copy of VIDEO,
queues their jobs (on the queue the environment selects) and prints the job
ids. ``python -m tests.web.jobctl link`` prints a new upload link's token.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from formcheck.web import ops

    ops.prepare(None, None)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from formcheck.jobs import store
    from formcheck.web.models import Athlete, Clip, RunSession

    if argv[0] == "link":
        from formcheck.web.models import UploadLink, new_token

        coach, _ = get_user_model().objects.get_or_create(username="link@example.org")
        token, digest = new_token()
        athlete = Athlete.objects.create(coach=coach, name="link test")
        UploadLink.objects.create(
            athlete=athlete, token_hash=digest, expires_at=UploadLink.expiry(1)
        )
        print(token)
        return 0
    video = Path(argv[1])  # argv[0] is the command name
    count = int(argv[2]) if len(argv) > 2 else 1
    coach, _ = get_user_model().objects.get_or_create(username="fault@example.org")
    athlete = Athlete.objects.create(coach=coach, name="fault test")
    ids = []
    for _ in range(count):
        session = RunSession.objects.create(athlete=athlete, submitted_at=timezone.now())
        clip = Clip.objects.create(
            session=session, role="early", declared_bytes=video.stat().st_size, state="received"
        )
        shutil.copy(video, Path(settings.DATA_DIR) / "uploads" / clip.uid)
        ids.append(store.enqueue(session).id)
    print(" ".join(map(str, ids)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
