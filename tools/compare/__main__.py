"""python -m tools.compare: see the package's docstring."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import UnverifiedRunError, compare, envs
from . import __doc__ as about


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.compare", description=(about or "").splitlines()[0]
    )
    parser.add_argument("--n", type=int, default=10, help="submissions, half correct (10)")
    parser.add_argument("--jobs", type=int, default=2, help="jobs of the parallel runs (2)")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="work in this new or empty folder and keep it"
    )
    parser.add_argument(
        "--venvs",
        type=Path,
        metavar="DIR",
        default=envs.DEFAULT_HOME,
        help="the other tools' environments, created here if missing (out/compare-venvs)",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.n < 2:
        parser.error("--n must be at least 2 (one correct and one buggy student)")
    try:
        figures = compare(args.n, args.jobs, args.keep, args.venvs)
    except UnverifiedRunError as refused:
        print(f"compare: refused: {refused}", file=sys.stderr)
        return 1
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
