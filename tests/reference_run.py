"""Run tests/reference against a chosen cs231n package in a fresh
interpreter, and read back which tests failed."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from grader import REPO_ROOT


def run_reference_tests(impl: str, tmp_path: Path, *options: str) -> dict[str, bool]:
    """Test id (``module::name[params]``) -> whether it failed or errored."""
    report = tmp_path / "junit.xml"
    subprocess.run(
        [
            sys.executable, "-m", "pytest", "tests/reference", f"--impl={impl}", *options,
            "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )  # fmt: skip
    return {
        f"{case.get('classname')}::{case.get('name')}": any(
            child.tag in ("failure", "error") for child in case
        )
        for case in ET.parse(report).getroot().iter("testcase")
    }
