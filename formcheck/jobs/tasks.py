"""huey tasks. The consumer (``formcheck worker`` / ``formcheck serve``) runs them."""

from __future__ import annotations

from huey.contrib.djhuey import HUEY, db_task

from formcheck.jobs.batch_queue import register_batch_task


@db_task(retries=0)
def run_job(job_id: int) -> None:
    """Run one analysis job (claimed through the jobs table, so a duplicate is a no-op)."""
    from formcheck.jobs.runner import execute

    execute(job_id)


#: ``formcheck batch --redis``: one video of a batch (no database; see batch_queue).
batch_analyse = register_batch_task(HUEY)
