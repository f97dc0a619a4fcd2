"""The worker's request handling, run inside the grader's own process.

For measurement only: ``make bench`` compares the isolated engine with this,
and ``make soundness`` sweeps thousands of seeds with it. It speaks the same
protocol (every request and answer is encoded and decoded, so values cross
as the same plain data), but the student's code runs in the trusted process
with no limits at all. Never use it to grade work you do not trust; a report
made with it says ``isolation: none`` and warns.
"""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from .. import load_cs231n
from . import protocol, worker

_aliases = itertools.count()


class InProcessWorker:
    """Stands in for ``WorkerProcess``: same ``request``/``close``/``dead``."""

    def __init__(self, submission: Path) -> None:
        self.submission = submission
        self.alias = f"grader_inprocess_{next(_aliases)}"
        self.dead = None
        self._handler = _Handler(self)

    def request(self, body: dict[str, Any], timeout: float | None = None) -> Any:
        request = protocol.decode(protocol.encode(body))
        try:
            response = self._handler.handle(request)
        except BaseException as exc:  # as in the worker: student code may raise anything
            response = worker._error(exc)
        try:
            frame = protocol.encode(response)
        except BaseException as exc:
            frame = protocol.encode(worker._error(exc))
        return protocol.decode(frame)

    def close(self) -> tuple[str, int]:
        return "", 0


class _Handler(worker.Worker):
    def __init__(self, owner: InProcessWorker) -> None:
        super().__init__()
        self.owner = owner
        self.package: Any = None

    def resolve(self, target: str) -> Any:
        obj = self.package
        for part in target.split("."):
            obj = getattr(obj, part)
        return obj

    def handle(self, request: dict[str, Any]) -> Any:
        if request["op"] != "import":
            return super().handle(request)
        try:
            self.package = load_cs231n(self.owner.submission, self.owner.alias)
        except BaseException as exc:
            error = worker._error(exc)["error"]
            return {"ok": True, "value": {name: error for name in request["modules"]}}
        return {"ok": True, "value": {name: None for name in request["modules"]}}
