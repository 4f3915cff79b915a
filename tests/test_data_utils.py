"""toyframe.data_utils: CIFAR-10's python batches, on small batches the tests write themselves."""
import pickle

import numpy as np
import pytest

from tests.cifar_files import BATCH_ROWS, random_images, write_batch, write_cifar_folder
from tests.helpers import assert_identical
from toyframe.data_utils import get_CIFAR10_data, load_CIFAR10, load_CIFAR_batch


@pytest.fixture
def cifar_folder(tmp_path):
    """A CIFAR-10 folder of 5 training batches and a test batch, BATCH_ROWS images each."""
    return tmp_path, write_cifar_folder(tmp_path)



def assert_images(actual, expected_uint8, quantity):
    assert actual.dtype == np.float64 and actual.shape == expected_uint8.shape, (actual.dtype, actual.shape)
    assert_identical(actual, expected_uint8.astype(np.float64), quantity)


@pytest.mark.parametrize("key_type", [str, bytes], ids=["str keys", "bytes keys"])
@pytest.mark.parametrize("python2_modules", [False, True], ids=["numpy 2 pickle", "python 2 pickle"])
def test_a_batch_comes_back_as_channels_last_images_and_labels(tmp_path, key_type, python2_modules):
    images, labels = random_images(BATCH_ROWS, seed=7)
    write_batch(tmp_path / "batch", images, labels, key_type, python2_modules)
    X, y = load_CIFAR_batch(tmp_path / "batch")
    assert_images(X, images, "images")
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()


def test_the_channel_major_layout_is_undone_pixel_by_pixel(tmp_path):
    # One image whose pixel (row r, column c, channel k) holds a value naming its own place
    row = np.arange(3 * 1024) % 251
    (tmp_path / "batch").write_bytes(pickle.dumps({"data": row[None].astype(np.uint8), "labels": [3]}))
    X, _ = load_CIFAR_batch(tmp_path / "batch")
    for r, c, k in [(0, 0, 0), (0, 1, 0), (1, 0, 0), (31, 31, 2), (5, 7, 1)]:
        assert X[0, r, c, k] == (k * 1024 + r * 32 + c) % 251, (r, c, k)


def test_the_folder_gives_training_batches_in_order_then_the_test_batch(cifar_folder):
    root, written = cifar_folder
    X_train, y_train, X_test, y_test = load_CIFAR10(root)
    assert_images(X_train, np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)]), "X_train")
    assert y_train.tolist() == np.concatenate([written[f"data_batch_{i}"][1] for i in range(1, 6)]).tolist()
    assert_images(X_test, written["test_batch"][0], "X_test")
    assert y_test.tolist() == written["test_batch"][1].tolist()


def test_the_nets_split_is_channels_first_with_the_training_mean_removed(cifar_folder):
    root, written = cifar_folder
    data = get_CIFAR10_data(root, num_training=15, num_validation=3, num_test=2)
    X_all = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)]).astype(np.float64)
    mean_image = X_all[:15].mean(axis=0)
    assert {key: value.shape for key, value in data.items()} == {
        "X_train": (15, 3, 32, 32), "y_train": (15,), "X_val": (3, 3, 32, 32), "y_val": (3,),
        "X_test": (2, 3, 32, 32), "y_test": (2,)}
    assert_identical(data["X_train"], (X_all[:15] - mean_image).transpose(0, 3, 1, 2), "X_train")
    assert_identical(data["X_val"], (X_all[15:18] - mean_image).transpose(0, 3, 1, 2), "X_val")
    test_images = written["test_batch"][0][:2].astype(np.float64)
    assert_identical(data["X_test"], (test_images - mean_image).transpose(0, 3, 1, 2), "X_test")
    raw = get_CIFAR10_data(root, num_training=15, num_validation=3, num_test=2, subtract_mean=False)
    assert_identical(raw["X_train"], X_all[:15].transpose(0, 3, 1, 2), "unnormalized X_train")


def test_a_missing_folder_or_batch_is_named(tmp_path, cifar_folder):
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 folder"):
        load_CIFAR10(tmp_path / "absent")
    root, _ = cifar_folder
    (root / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="data_batch_3"):
        load_CIFAR10(root)


def test_asking_for_more_images_than_the_folder_holds_is_an_error(cifar_folder):
    root, _ = cifar_folder
    with pytest.raises(ValueError, match="holds only 20"):
        get_CIFAR10_data(root, num_training=19, num_validation=2)
    with pytest.raises(ValueError, match="num_training must be an integer >= 1"):
        get_CIFAR10_data(root, num_training=0)


@pytest.mark.parametrize("batch, message", [
    ([1, 2, 3], "pickled dict"),
    ({"data": np.zeros((2, 3072), np.uint8)}, "missing \\['labels'\\]"),
    ({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, "shape \\(n, 3072\\)"),
    ({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}, "must be 2 integers"),
    ({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 10]}, "in 0..9"),
], ids=["not a dict", "no labels", "wrong width", "labels count", "label range"])
def test_malformed_batches_are_rejected_with_the_reason(tmp_path, batch, message):
    (tmp_path / "batch").write_bytes(pickle.dumps(batch))
    with pytest.raises(ValueError, match=message):
        load_CIFAR_batch(tmp_path / "batch")


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_tampered_batch_cannot_run_code(tmp_path):
    marker = tmp_path / "was_created"
    (tmp_path / "batch").write_bytes(pickle.dumps({"data": RunsCode(marker), "labels": []}))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_CIFAR_batch(tmp_path / "batch")
    assert not marker.exists()
