"""cs231n's Solver: minibatch training of a model with `params` and `loss(X, y)` by an update rule from toyframe.optim."""
import pickle

import numpy as np

from . import optim

_OPTIONS = {"update_rule": "sgd", "optim_config": None, "lr_decay": 1.0, "batch_size": 100, "num_epochs": 10,
            "num_train_samples": 1000, "num_val_samples": None, "checkpoint_name": None, "print_every": 10,
            "verbose": True}


class Solver:
    """data: {"X_train", "y_train", "X_val", "y_val"}. After train(): loss_history (per iteration),
    train_acc_history and val_acc_history (per epoch, epoch 0 included), and model.params set to
    the parameters with the best validation accuracy (best_params, best_val_acc)."""

    def __init__(self, model, data, **kwargs):
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise ValueError(f"unknown Solver arguments {unknown}; allowed: {sorted(_OPTIONS)}")
        options = {**_OPTIONS, **kwargs}
        if not callable(getattr(optim, options["update_rule"], None)):
            raise ValueError(f"update_rule must be one of {optim.__all__}, got {options['update_rule']!r}")
        self.model = model
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        for name, value in options.items():
            setattr(self, name, value)
        self.optim_config = dict(self.optim_config or {})
        self.update = getattr(optim, self.update_rule)
        self._reset()

    def _reset(self):
        self.epoch, self.best_val_acc, self.best_params = 0, 0.0, {}
        self.loss_history, self.train_acc_history, self.val_acc_history = [], [], []
        self.optim_configs = {name: dict(self.optim_config) for name in self.model.params}

    def _step(self):
        batch = np.random.choice(self.X_train.shape[0], self.batch_size)
        loss, grads = self.model.loss(self.X_train[batch], self.y_train[batch])
        self.loss_history.append(loss)
        for name, value in self.model.params.items():
            self.model.params[name], self.optim_configs[name] = self.update(value, grads[name], self.optim_configs[name])

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of correct predictions, on a random subsample of num_samples rows if given."""
        if num_samples is not None and X.shape[0] > num_samples:
            rows = np.random.choice(X.shape[0], num_samples)
            X, y = X[rows], y[rows]
        predictions = np.concatenate([np.argmax(self.model.loss(X[start:start + batch_size]), axis=1)
                                      for start in range(0, X.shape[0], batch_size)])
        return float(np.mean(predictions == y))

    def train(self):
        per_epoch = max(self.X_train.shape[0] // self.batch_size, 1)
        iterations = self.num_epochs * per_epoch
        for iteration in range(iterations):
            self._step()
            if self.verbose and iteration % self.print_every == 0:
                print(f"(Iteration {iteration + 1} / {iterations}) loss: {self.loss_history[-1]:f}")
            epoch_ends = (iteration + 1) % per_epoch == 0
            if epoch_ends:
                self.epoch += 1
                for config in self.optim_configs.values():  # each rule set its rate on its first step
                    config["learning_rate"] *= self.lr_decay
            if iteration == 0 or epoch_ends:
                self._record_epoch()
        self.model.params = self.best_params

    def _record_epoch(self):
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._save_checkpoint()
        if self.verbose:
            print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {name: value.copy() for name, value in self.model.params.items()}

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        state = {"model": self.model, "update_rule": self.update_rule, "lr_decay": self.lr_decay,
                 "optim_config": self.optim_config, "batch_size": self.batch_size,
                 "num_train_samples": self.num_train_samples, "num_val_samples": self.num_val_samples,
                 "epoch": self.epoch, "loss_history": self.loss_history,
                 "train_acc_history": self.train_acc_history, "val_acc_history": self.val_acc_history}
        with open(f"{self.checkpoint_name}_epoch_{self.epoch}.pkl", "wb") as stream:
            pickle.dump(state, stream)
