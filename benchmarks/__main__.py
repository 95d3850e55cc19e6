"""`python -m benchmarks`: the side-by-side run; `--help` lists the options."""

from ._runner import main

raise SystemExit(main())
