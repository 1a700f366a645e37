"""Analysis jobs: the jobs table (at-least-once over an at-most-once queue), huey
tasks, heartbeat, reaper and the worker / serve process entry points, and
``formcheck batch`` (every video of a folder over a process pool, or as tasks on
the shared Redis queue)."""
