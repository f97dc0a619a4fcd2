"""Throwaway virtual environments for the tools we compare against.

Each tool gets its own environment, installed from PyPI with the versions
pinned in ``tools/compare/requirements-<tool>.txt`` (every package, as
``pip freeze`` listed it when the comparison was measured). They live in
``out/compare-venvs/`` by default, which git ignores and ``make clean``
removes; an environment whose pins have not changed is reused, so only the
first comparison pays for the install. Installing is never timed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_HOME = HERE.parents[1] / "out" / "compare-venvs"


@dataclass(frozen=True)
class Env:
    """An installed environment: its folder and the tool's version in it."""

    name: str
    path: Path
    version: str

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def environ(self) -> dict[str, str]:
        """The environment variables of a shell with this venv activated: the
        tools start helpers by name (nbgrader runs ``alembic``, Jupyter its
        kernel), which must come from this environment, not from ours."""
        found = dict(os.environ, VIRTUAL_ENV=str(self.path))
        found["PATH"] = os.pathsep.join([str(self.bin), os.environ.get("PATH", "")])
        found.pop("PYTHONHOME", None)
        return found

    def run(self, program: str, *args: str, cwd: Path, log: Path) -> None:
        """``program`` of this environment with ``args``, in ``cwd``, its
        output in ``log``; a failure stops the comparison, naming the log."""
        command = [str(self.bin / program), *args]
        with log.open("w") as sink:
            done = subprocess.run(
                command, cwd=cwd, env=self.environ(), stdout=sink, stderr=subprocess.STDOUT
            )
        if done.returncode:
            raise SystemExit(f"compare: {' '.join(command)} exited {done.returncode}; see {log}")


def requirements(tool: str) -> Path:
    return HERE / f"requirements-{tool}.txt"


def ensure(tool: str, distribution: str, home: Path = DEFAULT_HOME) -> Env:
    """The environment for ``tool``, created or brought up to its pins.

    ``distribution`` is the PyPI name whose installed version is reported.
    """
    pins = requirements(tool)
    path = home.resolve() / tool  # the tools run in other folders
    stamp = path / ".requirements"
    wanted = pins.read_text()
    if not (stamp.is_file() and stamp.read_text() == wanted):
        print(f"compare: installing {tool} into {path} (once; not timed)", flush=True)
        if not (path / "bin" / "python").exists():
            _run([sys.executable, "-m", "venv", str(path)], tool)
        python = str(path / "bin" / "python")
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, "-r", str(pins)], tool)
        stamp.write_text(wanted)
    version = subprocess.run(
        [
            str(path / "bin" / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({distribution!r}))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return Env(tool, path, version)


def _run(command: list[str], tool: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(
            f"compare: could not install {tool} ({' '.join(command)} exited "
            f"{done.returncode}); pip said:\n{done.stdout[-2000:]}{done.stderr[-2000:]}\n"
            f"Is PyPI reachable? The pins are in {requirements(tool)}."
        )
