"""Small CIFAR-10 folders in the dataset's own format, written by the tests (nothing is downloaded)."""
import pickle

import numpy as np

BATCH_ROWS = 4  # the real batches hold 10000 images; the loader must not assume it


def random_images(count, seed):
    """count images (count, 32, 32, 3) of uint8 and their labels (count,) in 0..9."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, count)


def channel_major_rows(images):
    """(n, 32, 32, 3) -> (n, 3072): all red values row by row, then green, then blue (CIFAR's layout)."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), -1)


def write_batch(path, images, labels, key_type=str, python2_modules=False):
    """A batch as CIFAR-10 ships it: a pickled dict, `data` an ndarray, `labels` a list of ints.

    key_type bytes: the keys as Python 3 sees them when it unpickles with encoding="bytes".
    """
    key = str if key_type is str else str.encode
    batch = {key("data"): channel_major_rows(images), key("labels"): [int(label) for label in labels]}
    payload = pickle.dumps(batch, protocol=2)
    if python2_modules:  # the official files were written by Python 2's NumPy, which had numpy.core
        payload = payload.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    path.write_bytes(payload)


def write_cifar_folder(root, rows=BATCH_ROWS):
    """data_batch_1..5 and test_batch in `root`, `rows` random images each (half of them pickled the way
    Python 2's NumPy did) -> {batch name: (images (rows, 32, 32, 3) uint8, labels (rows,))}."""
    root.mkdir(parents=True, exist_ok=True)
    written = {}
    for seed, name in enumerate([f"data_batch_{index}" for index in range(1, 6)] + ["test_batch"]):
        images, labels = random_images(rows, seed)
        write_batch(root / name, images, labels, python2_modules=seed % 2 == 0)
        written[name] = (images, labels)
    return written


