"""The arguments of ``python -m grader grade`` and ``batch``, in a module that
imports nothing heavy: the CLI's parser takes them from here, and so do
``spare.start_early`` and ``pool.start_early``, which read them before the
grader is imported."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, NoReturn

from .profiles import PROFILES


class QuietParser(argparse.ArgumentParser):
    """A parser that raises ValueError where argparse would print and exit: for
    reading a command's arguments before the command does (an early start),
    which leaves saying what is wrong with them to the command itself."""

    def __init__(self) -> None:
        super().__init__(add_help=False, exit_on_error=False)

    def error(self, message: str) -> NoReturn:
        raise ValueError(message)


def whole(minimum: int, what: str) -> Any:
    """An argparse type: a whole number >= ``minimum``; argparse's own error
    (status 2, the option named) otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected a whole number >= {minimum} ({what}), got {text!r}"
            )
        return value

    return parse


def config_option(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument(
        "--config",
        metavar="FILE",
        help="the assignment config, a TOML file (default: $GRADER_CONFIG, else the "
        "repository's assignment.toml, the course's assignment); see docs/config.md",
    )
    return p


def add_grade_arguments(g: argparse.ArgumentParser) -> argparse.ArgumentParser:
    g.add_argument(
        "submission",
        help="a submission zip or folder (with cs231n/ or loose module files), "
        "a single layers.py / optim.py / fc_net.py, or a notebook",
    )
    g.add_argument("--out", help="write report.json and report.html into this folder")
    g.add_argument("-k", help="only the checks whose ids match this pytest -k expression")
    g.add_argument(
        "--seed",
        type=whole(0, "a seed"),
        help="seed of the random inputs (the report gives it)",
    )
    g.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help="the course year's conventions (default: detected from the code)",
    )
    return g


def add_batch_arguments(b: argparse.ArgumentParser) -> argparse.ArgumentParser:
    b.add_argument("folder", help="one zip, folder or notebook per student")
    b.add_argument("--out", default="out", help="reports, exports and the store (default out/)")
    b.add_argument(
        "--jobs",
        type=whole(1, "grades at once"),
        default=os.cpu_count() or 1,
        help="grades at once (default: cores)",
    )
    b.add_argument("--executor", choices=("local", "dask"), default="local")
    b.add_argument("--scheduler", help="the Dask scheduler's address, with --executor dask")
    b.add_argument(
        "--seed", type=whole(0, "a seed"), help="one seed for all (default: from each content)"
    )
    b.add_argument("--db", help="the results store (default OUT/results.sqlite)")
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    return b


def store_path(args: argparse.Namespace) -> Path:
    """The results store a batch with these arguments reads and writes."""
    return Path(args.db) if args.db else Path(args.out) / "results.sqlite"
