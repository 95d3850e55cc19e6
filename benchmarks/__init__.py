"""Side-by-side throughput benchmarks of `conferencing` and the clients it replaces.

Run `python -m benchmarks` (add `--quick` for a CI-sized run). A fixed-answer
server (nginx when installed, else aiohttp.web) runs in its own process on
loopback; every (client, concurrency, repetition) runs in a fresh process,
clients interleaved; the results land in `benchmarks/results/` as JSON, a
Markdown table and a plot. See `benchmarks/README.md`.

Modules you can run:

- `python -m benchmarks`: the side-by-side run.
- `python -m benchmarks.validation`: the cost of building and serializing requests.
- `python -m benchmarks.profiling`: cProfile of one client's hot path.
- `python -m benchmarks.gc_settings`: a bulk job under default and tuned GC settings.
"""
