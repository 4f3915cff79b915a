"""The Solver trains cs231n's net: it learns, keeps its histories, decays the rate, restores the best parameters."""
import numpy as np
import pytest

from reference.core import tolerances
from reference.core.comparator import assert_close
from toyframe.fc_net import FullyConnectedNet
from toyframe.solver import Solver


def _blobs(seed, n=300):
    """Three well-separated Gaussian blobs in 2-D: any working training loop fits them."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]])
    y = rng.integers(0, 3, n)
    return centres[y] + rng.normal(size=(n, 2)), y


def _solver(seed=0, **options):
    np.random.seed(seed)
    X_train, y_train = _blobs(seed)
    X_val, y_val = _blobs(seed + 1, 100)
    model = FullyConnectedNet([16], input_dim=2, num_classes=3, dropout=0.75, weight_scale=0.1, dtype=np.float64)
    options = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-2}, "num_epochs": 6, "batch_size": 30,
               "verbose": False, **options}
    return model, Solver(model, {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}, **options)


@pytest.mark.parametrize("update_rule", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_it_learns_and_keeps_one_history_entry_per_epoch(update_rule):
    _, solver = _solver(update_rule=update_rule, optim_config={"learning_rate": 5e-2 if "sgd" in update_rule else 1e-2})
    solver.train()
    assert len(solver.loss_history) == 6 * (300 // 30)
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 6 + 1
    assert np.mean(solver.loss_history[-10:]) < np.mean(solver.loss_history[:10])
    assert solver.best_val_acc >= 0.9


def test_best_parameters_are_restored_at_the_end():
    model, solver = _solver()
    solver.train()
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert all(np.array_equal(model.params[name], value) for name, value in solver.best_params.items())


def test_learning_rate_decays_once_per_epoch():
    _, solver = _solver(lr_decay=0.5)
    solver.train()
    for name, config in solver.optim_configs.items():
        assert_close(np.asarray(config["learning_rate"]), 1e-2 * 0.5 ** 6, quantity=f"learning rate of {name}",
                     tolerance=tolerances.FLOAT64)


def test_checkpoints_are_written_each_epoch(tmp_path):
    _, solver = _solver(checkpoint_name=str(tmp_path / "run"), num_epochs=2)
    solver.train()
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"run_epoch_{epoch}.pkl" for epoch in range(3)]


@pytest.mark.parametrize("options, message", [({"learning_rate": 1e-3}, "unknown Solver arguments"),
                                              ({"update_rule": "lbfgs"}, "update_rule must be one of")])
def test_bad_options_are_named(options, message):
    with pytest.raises(ValueError, match=message):
        _solver(**options)
