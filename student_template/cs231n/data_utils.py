"""Load the data the notebooks train on. Given to students complete.

``get_CIFAR10_data`` uses CIFAR-10 when it is on disk and otherwise a small
synthetic stand-in the package generates itself, so every notebook runs
without a network. The CIFAR-10 folder (``cifar-10-batches-py``, the
"python version" of the data set) is looked for, in order, at

1. the ``cifar10_dir`` argument,
2. the ``CIFAR10_DIR`` environment variable,
3. ``cs231n/datasets/cifar-10-batches-py`` inside this package.
"""

import os
import pickle
from pathlib import Path

import numpy as np

CIFAR10_CLASSES = (
    "plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip

#: The synthetic stand-in is capped at this many training examples.
SYNTHETIC_MAX_TRAIN = 5000


def load_CIFAR_batch(filename):
    """One CIFAR-10 batch file as (X of shape (N, 32, 32, 3), y of shape (N,))."""
    with open(filename, "rb") as f:
        batch = pickle.load(f, encoding="latin1")
    X = batch["data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)
    y = np.array(batch["labels"])
    return X, y


def load_CIFAR10(root):
    """All of CIFAR-10 from its python-version folder: Xtr, Ytr, Xte, Yte."""
    root = Path(root)
    parts = [load_CIFAR_batch(root / f"data_batch_{i}") for i in range(1, 6)]
    Xtr = np.concatenate([X for X, _ in parts])
    Ytr = np.concatenate([y for _, y in parts])
    Xte, Yte = load_CIFAR_batch(root / "test_batch")
    return Xtr, Ytr, Xte, Yte


def find_cifar10(cifar10_dir=None):
    """The CIFAR-10 folder to use, or None when there is none on disk."""
    candidates = [
        cifar10_dir,
        os.environ.get("CIFAR10_DIR"),
        Path(__file__).parent / "datasets" / "cifar-10-batches-py",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data_batch_1").is_file():
            return Path(candidate)
    return None


def synthetic_cifar10(num_training=5000, num_validation=500, num_test=500, seed=231):
    """A CIFAR-10-shaped classification problem, generated offline.

    Ten classes of 3x32x32 images on the 0-255 scale of CIFAR-10. Each
    class has a smooth prototype; an image is its class prototype, a smooth
    random distortion larger than the differences between prototypes, and
    pixel noise. A net can reach well above chance but not 100% on new
    images, and a small training set is easy to overfit: the behaviour the
    notebooks' experiments need. The same seed always gives the same data.

    Returns X_train, y_train, X_val, y_val, X_test, y_test with X of shape
    (N, 32, 32, 3) like ``load_CIFAR10``.
    """
    rng = np.random.default_rng(seed)
    num_classes, coarse = len(CIFAR10_CLASSES), 4

    def smooth(count, scale):
        # Random values on a coarse 4x4 grid per channel, blown up to 32x32.
        grid = rng.normal(0.0, scale, size=(count, coarse, coarse, 3))
        return np.kron(grid, np.ones((1, 32 // coarse, 32 // coarse, 1)))

    prototypes = 128.0 + smooth(num_classes, 6.0)
    total = num_training + num_validation + num_test
    y = rng.integers(0, num_classes, size=total)
    X = prototypes[y] + smooth(total, 22.0) + rng.normal(0.0, 40.0, size=(total, 32, 32, 3))
    X = np.clip(X, 0, 255)

    bounds = np.cumsum([num_training, num_validation])
    X_train, X_val, X_test = np.split(X, bounds)
    y_train, y_val, y_test = np.split(y, bounds)
    return X_train, y_train, X_val, y_val, X_test, y_test


def get_CIFAR10_data(
    num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True, cifar10_dir=None
):
    """The training, validation and test data of the notebooks.

    Returns a dictionary with X_train, y_train, X_val, y_val, X_test and
    y_test; each X has shape (N, 3, 32, 32). With subtract_mean, the mean
    training image is subtracted from every image.

    Without CIFAR-10 on disk (see the module docstring) the synthetic
    stand-in is used instead, with at most SYNTHETIC_MAX_TRAIN training
    examples, and a line is printed to say so.
    """
    root = find_cifar10(cifar10_dir)
    if root is not None:
        X_train, y_train, X_test, y_test = load_CIFAR10(root)
        X_val = X_train[num_training : num_training + num_validation]
        y_val = y_train[num_training : num_training + num_validation]
        X_train, y_train = X_train[:num_training], y_train[:num_training]
        X_test, y_test = X_test[:num_test], y_test[:num_test]
    else:
        num_training = min(num_training, SYNTHETIC_MAX_TRAIN)
        print(
            "CIFAR-10 not found on disk: using the synthetic stand-in "
            f"({num_training} training images). Set CIFAR10_DIR to use CIFAR-10."
        )
        X_train, y_train, X_val, y_val, X_test, y_test = synthetic_cifar10(
            num_training, num_validation, num_test
        )

    if subtract_mean:
        mean_image = X_train.mean(axis=0)
        X_train, X_val, X_test = X_train - mean_image, X_val - mean_image, X_test - mean_image

    # Channels first, as the layers expect.
    X_train, X_val, X_test = (X.transpose(0, 3, 1, 2).copy() for X in (X_train, X_val, X_test))
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "X_test": X_test,
        "y_test": y_test,
    }
