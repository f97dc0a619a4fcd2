"""The terminal the commands print to."""

from __future__ import annotations

import sys


def tolerant_output() -> None:
    """Let stdout and stderr write a character their encoding cannot hold as an
    escape (``\\ufffd``) instead of raising. Under ``LANG=C`` without Python's
    UTF-8 mode they are ASCII, and a student's name or a message with one
    accented letter would end the command with a traceback after its work."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding != "utf8" and reconfigure is not None:
            reconfigure(errors="backslashreplace")
