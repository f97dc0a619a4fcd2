"""The data loader: CIFAR-10 from its python-version files when present,
the synthetic stand-in otherwise."""

from __future__ import annotations

import pickle
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

pytestmark = pytest.mark.given


def write_fake_cifar(root: Path, per_batch: int = 6) -> None:
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        batch = {
            "data": rng.integers(0, 256, size=(per_batch, 3072), dtype=np.uint8),
            "labels": list(rng.integers(0, 10, size=per_batch)),
        }
        (root / name).write_bytes(pickle.dumps(batch))


def test_cifar10_is_loaded_from_disk_when_present(cs: ModuleType, tmp_path: Path) -> None:
    write_fake_cifar(tmp_path)
    data = cs.data_utils.get_CIFAR10_data(
        num_training=20, num_validation=5, num_test=4, cifar10_dir=str(tmp_path)
    )
    assert data["X_train"].shape == (20, 3, 32, 32)
    assert data["X_val"].shape == (5, 3, 32, 32) and data["X_test"].shape == (4, 3, 32, 32)
    # Mean subtraction: the training images average to zero per pixel.
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0, atol=1e-9)


def test_cifar10_batch_layout_is_channels_last(cs: ModuleType, tmp_path: Path) -> None:
    pixels = np.arange(3072, dtype=np.uint8).reshape(1, 3072)  # R plane, G plane, B plane
    (tmp_path / "b").write_bytes(pickle.dumps({"data": pixels, "labels": [4]}))
    X, y = cs.data_utils.load_CIFAR_batch(tmp_path / "b")
    assert X.shape == (1, 32, 32, 3) and list(y) == [4]
    assert X[0, 0, 1, 0] == 1 and X[0, 0, 0, 1] == 1024 % 256


def test_synthetic_stand_in_without_cifar(
    cs: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "nothing-here"))
    data = cs.data_utils.get_CIFAR10_data(num_training=100, num_validation=20, num_test=10)
    assert "synthetic stand-in" in capsys.readouterr().out
    assert data["X_train"].shape == (100, 3, 32, 32) and data["y_val"].shape == (20,)
    assert set(np.unique(data["y_train"])) <= set(range(10))


def test_synthetic_stand_in_is_deterministic_and_learnable(cs: ModuleType) -> None:
    first = cs.data_utils.synthetic_cifar10(300, 100, 10)
    second = cs.data_utils.synthetic_cifar10(300, 100, 10)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    # Nearest class mean on the training set labels new images far above
    # the 10% of chance, and far below 100%: a problem worth training on.
    X_train, y_train, X_val, y_val = first[:4]
    flat_train, flat_val = X_train.reshape(300, -1), X_val.reshape(100, -1)
    means = np.stack([flat_train[y_train == c].mean(axis=0) for c in range(10)])
    distances = ((flat_val[:, None, :] - means[None]) ** 2).sum(axis=2)
    accuracy = float(np.mean(distances.argmin(axis=1) == y_val))
    assert 0.25 < accuracy < 0.95
