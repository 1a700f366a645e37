"""huey tasks. The consumer (``formcheck worker`` / ``formcheck serve``) runs them."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=0)
def run_job(job_id: int) -> None:
    """Run one analysis job (claimed through the jobs table, so a duplicate is a no-op)."""
    from formcheck.jobs.runner import execute

    execute(job_id)
