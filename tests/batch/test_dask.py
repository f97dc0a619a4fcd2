"""The batch on a Dask cluster: a LocalCluster of three worker processes,
one of them killed mid-way; every submission still graded once, with the
same scores as on one machine."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from grader.batch import store
from grader.batch.runner import DaskExecutor, run_batch
from tests.batch import corpus

distributed = pytest.importorskip("distributed")

pytestmark = [
    # distributed's own warnings (deprecations, sockets closed at shutdown)
    # are not the grader's.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
    pytest.mark.filterwarnings("ignore:.*:UserWarning"),
]

NAMES = ("correct_1", "correct_2", "keep_as_drop", "no_rescale", "momentum_state_lost",
         "net_dropout_missing", "broken_not_a_zip")  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    everything = tmp_path_factory.mktemp("class")
    corpus.build(everything, correct=3)
    folder = tmp_path_factory.mktemp("small")
    for name in NAMES:
        (folder / f"{name}.zip").write_bytes((everything / f"{name}.zip").read_bytes())
    return folder


def test_a_cluster_that_loses_a_worker_grades_everything_once(small: Path, tmp_path: Path) -> None:
    local = run_batch(small, tmp_path / "local", jobs=2, progress=False)
    assert local.exit_code == 0
    with (
        distributed.LocalCluster(
            n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_one(_: str) -> None:
            if not killed:  # after the first result, a worker dies mid-batch
                killed.append(pids[0])
                os.kill(pids[0], signal.SIGKILL)

        summary = run_batch(
            small,
            tmp_path / "dask",
            executor=DaskExecutor(client),
            progress=False,
            on_result=kill_one,
        )
    assert killed
    assert summary.exit_code == 0, summary.failed
    assert {r.student: r.score for r in summary.results} == {
        r.student: r.score for r in local.results
    }
    with store.connect(tmp_path / "dask" / "results.sqlite") as db:
        graded = store.gradings(db)
    assert len(graded) == len(NAMES) and set(graded.values()) == {1}


def test_an_unreachable_scheduler_is_a_message_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a traceback after Dask's connect timeout (30 s). distributed's
    Client is made to fail at once here, as it does after that timeout."""
    from grader.cli import EXIT_USAGE, main

    def unreachable(address: str, *args: object, **kwargs: object) -> None:
        raise OSError(f"Timed out trying to connect to {address} after 30 s")

    monkeypatch.setattr(distributed, "Client", unreachable)
    argv = ["batch", str(corpus.REPO_ROOT / "examples" / "submissions"), "--out", str(tmp_path)]
    argv += ["--executor", "dask", "--scheduler", "tcp://10.0.0.9:8786", "--no-progress"]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: --scheduler tcp://10.0.0.9:8786: the Dask scheduler could not")
    assert "Check the address and that the scheduler runs" in err
