"""The arguments of ``python -m grader batch``, in a module that imports
nothing heavy: the CLI's parser takes them from here, and so does
``pool.start_early``, which reads them before the grader is imported."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_batch_arguments(b: argparse.ArgumentParser) -> argparse.ArgumentParser:
    b.add_argument("folder", help="one zip, folder or notebook per student")
    b.add_argument("--out", default="out", help="reports, exports and the store (default out/)")
    b.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="grades at once (default: cores)"
    )
    b.add_argument("--executor", choices=("local", "dask"), default="local")
    b.add_argument("--scheduler", help="the Dask scheduler's address, with --executor dask")
    b.add_argument("--seed", type=int, help="one seed for all (default: from each content)")
    b.add_argument("--db", help="the results store (default OUT/results.sqlite)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    return b


def store_path(args: argparse.Namespace) -> Path:
    """The results store a batch with these arguments reads and writes."""
    return Path(args.db) if args.db else Path(args.out) / "results.sqlite"
