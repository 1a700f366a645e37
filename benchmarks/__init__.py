"""Speed and memory benchmarks of formcheck (``make bench``; see ``README.md``)."""
