"""CIFAR-10 in its "python version" format (cs231n's `data_utils`): pickled batches on local disk.

A folder holds `data_batch_1` ... `data_batch_5` and `test_batch`. Each is a pickled dict with
`data`: (n, 3072) uint8, each row a 32x32 image stored channel-major (1024 red values, then
green, then blue, each row-major), and `labels`: n ints in 0..9. (`batches.meta` is not needed.)
Nothing is downloaded: the folder must already be there.

The batches are unpickled with a restricted unpickler that can only rebuild NumPy arrays and
plain containers, so a tampered file cannot run code.
"""
import codecs
import pathlib
import pickle

import numpy as np

TRAIN_BATCHES = tuple(f"data_batch_{index}" for index in range(1, 6))
TEST_BATCH = "test_batch"
IMAGE_SHAPE = (3, 32, 32)
try:  # NumPy 2 moved numpy.core to numpy._core; the official batches name the old module
    from numpy._core import multiarray as _multiarray
except ImportError:  # NumPy 1.x before 1.26
    from numpy.core import multiarray as _multiarray
# What a pickled ndarray needs; _codecs.encode is how protocol 2 writes Python 3 bytes
_ARRAY_GLOBALS = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype, ("_codecs", "encode"): codecs.encode,
                  **{(module, name): getattr(_multiarray, name)
                     for module in ("numpy.core.multiarray", "numpy._core.multiarray")
                     for name in ("_reconstruct", "scalar")}}


class _ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ARRAY_GLOBALS:
            return _ARRAY_GLOBALS[module, name]
        raise pickle.UnpicklingError(f"a CIFAR-10 batch holds only arrays and lists; refusing {module}.{name}")


def load_CIFAR_batch(filename):
    """One batch file -> X: (n, 32, 32, 3) float64 in [0, 255] (channels last, as cs231n), y: (n,) int64."""
    path = pathlib.Path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"no CIFAR-10 batch at {str(path)!r}")
    with path.open("rb") as stream:
        # latin1: the official batches were pickled by Python 2; keys may still come back as bytes
        batch = _ArraysOnlyUnpickler(stream, encoding="latin1").load()
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: a CIFAR-10 batch is a pickled dict, got {type(batch).__name__}")
    batch = {key.decode("latin1") if isinstance(key, bytes) else key: value for key, value in batch.items()}
    missing = {"data", "labels"} - set(batch)
    if missing:
        raise ValueError(f"{path}: a CIFAR-10 batch needs the keys 'data' and 'labels'; missing {sorted(missing)}")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"])
    pixels = int(np.prod(IMAGE_SHAPE))
    if data.ndim != 2 or data.shape[1] != pixels:
        raise ValueError(f"{path}: 'data' must have shape (n, {pixels}), got {data.shape}")
    if labels.shape != (data.shape[0],) or labels.dtype.kind not in "iu":
        raise ValueError(f"{path}: 'labels' must be {data.shape[0]} integers, got shape {labels.shape} "
                         f"of {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must be in 0..9, got values from {labels.min()} to {labels.max()}")
    images = data.reshape(-1, *IMAGE_SHAPE).transpose(0, 2, 3, 1).astype(np.float64)
    return images, labels.astype(np.int64)


def load_CIFAR10(ROOT):
    """The folder ROOT -> (X_train: (50000, 32, 32, 3), y_train, X_test: (10000, 32, 32, 3), y_test).

    The five training batches are concatenated in order; n is whatever the batches hold.
    """
    root = pathlib.Path(ROOT)
    if not root.is_dir():
        raise FileNotFoundError(f"no CIFAR-10 folder at {str(root)!r} (expected data_batch_1..5 and test_batch)")
    parts = [load_CIFAR_batch(root / name) for name in TRAIN_BATCHES]
    X_train = np.concatenate([images for images, _ in parts])
    y_train = np.concatenate([labels for _, labels in parts])
    X_test, y_test = load_CIFAR_batch(root / TEST_BATCH)
    return X_train, y_train, X_test, y_test


def get_CIFAR10_data(ROOT, num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True):
    """cs231n's split for the nets: {X_train, y_train, X_val, y_val, X_test, y_test}, X: (n, 3, 32, 32).

    Validation rows follow the training rows in the training batches; the mean image of the
    training rows is subtracted from every split when subtract_mean.
    """
    for name, value in (("num_training", num_training), ("num_validation", num_validation), ("num_test", num_test)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (name == "num_training"):
            raise ValueError(f"{name} must be an integer >= {int(name == 'num_training')}, got {value!r}")
    X_all, y_all, X_test, y_test = load_CIFAR10(ROOT)
    for name, value, available in (("num_training + num_validation", num_training + num_validation, len(X_all)),
                                   ("num_test", num_test, len(X_test))):
        if value > available:
            raise ValueError(f"{name} is {value} but the folder holds only {available} such images")
    splits = {"train": (X_all[:num_training], y_all[:num_training]),
              "val": (X_all[num_training:num_training + num_validation],
                      y_all[num_training:num_training + num_validation]),
              "test": (X_test[:num_test], y_test[:num_test])}
    mean_image = splits["train"][0].mean(axis=0) if subtract_mean else 0.0
    data = {}
    for split, (images, labels) in splits.items():
        data[f"X_{split}"] = (images - mean_image).transpose(0, 3, 1, 2).copy()
        data[f"y_{split}"] = labels
    return data
