"""Scenarios: one distribution for every forward pass of every check, the torch reference, and the
scenario and replay line that every failure names."""
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .worker import PARAMETERS


@dataclass(frozen=True)
class NetScenario:
    """Plain data: sizes, keep_prob, lambd, learning rate, steps (forward passes on the same X, or
    updates), a seed for every array (X, Y and the parameters, drawn by net_arrays) and the scale of
    the weights."""
    n_x: int
    n_h: int
    m: int
    keep_prob: float
    lambd: float
    learning_rate: float
    steps: int
    seed: int
    weight_scale: float

    def describe(self):
        return (f"X ({self.n_x}, {self.m}), {self.n_h} hidden units, keep_prob={self.keep_prob:g}, "
                f"lambd={self.lambd:g}, learning_rate={self.learning_rate:g}, {self.steps} step(s), "
                f"weights ~ {self.weight_scale:g} N(0, 1)")


def net_arrays(scenario):
    """X (n_x, m), Y (1, m), {W1, b1, W2, b2} of `scenario`, from a Generator seeded by its seed."""
    rng = np.random.default_rng((scenario.seed, 0x7A0))
    X = rng.normal(0.0, 1.0, (scenario.n_x, scenario.m))
    Y = rng.integers(0, 2, (1, scenario.m)).astype(np.float64)
    parameters = {"W1": scenario.weight_scale * rng.normal(0.0, 1.0, (scenario.n_h, scenario.n_x)),
                  "b1": rng.normal(0.0, 0.1, (scenario.n_h, 1)),
                  "W2": scenario.weight_scale * rng.normal(0.0, 1.0, (1, scenario.n_h)),
                  "b2": rng.normal(0.0, 0.1, (1, 1))}
    return X, Y, parameters


SEEDS = st.integers(0, 2**32 - 1)


WEIGHT_SCALES = (0.01, 0.5, 1.5)  # the seeds' 0.01, and weights that make the hidden layer matter


# A training run on one batch, as the notebooks' loops are, 1 scenario in LONG_SHARE: a mask that comes back
# after some passes (a ring of masks kept per shape and keep_prob) shows within it.
LONG_SHARE, LONG_STEPS = 32, (10, 15)


def draw_scenario(seed):
    """The NetScenario of `seed`, every field drawn from a Generator seeded by it: 1-4 inputs, 1-10
    hidden units, 1-32 examples, keep_prob 1 (a pass in 7) or in [0.05, 0.95], lambd 0 (1 in 4) or in
    [0, 2], learning rate in [0.01, 1], 1-3 steps (LONG_STEPS, a training run on one batch, 1 in
    LONG_SHARE), weights of scale 0.01, 0.5 or 1.5. Every check draws its calls here (hypothesis draws
    the seed), so no call differs from another in kind."""
    rng = np.random.default_rng((seed, 0x5CE7))
    n_x, n_h, m = int(rng.integers(1, 5)), int(rng.integers(1, 11)), int(rng.integers(1, 33))
    keep_prob = 1.0 if rng.random() < 1 / 7 else float(rng.uniform(0.05, 0.95))
    lambd = 0.0 if rng.random() < 0.25 else float(rng.uniform(0.0, 2.0))
    learning_rate, steps = float(rng.uniform(0.01, 1.0)), int(rng.integers(1, 4))
    weight_scale = float(WEIGHT_SCALES[int(rng.integers(len(WEIGHT_SCALES)))])
    if rng.random() < 1 / LONG_SHARE:
        steps = int(rng.integers(*LONG_STEPS))
    return NetScenario(n_x=n_x, n_h=n_h, m=m, keep_prob=keep_prob, lambd=lambd, learning_rate=learning_rate,
                       steps=steps, seed=int(seed), weight_scale=weight_scale)


def net_scenarios():
    """NetScenarios as hypothesis draws them: a seed, the rest drawn from it (draw_scenario)."""
    return SEEDS.map(draw_scenario)


def pass_seed(seed, step):
    """The seed of NumPy's global RNG for pass `step` of the scenario of `seed` (a hash of both: two
    passes never share a stream, as consecutive integers would across scenarios)."""
    return int(np.random.SeedSequence((seed, step, 0x9A55)).generate_state(1)[0])


# Run first under every profile: typical sizes, keep_prob and lambd, each weight scale.
DESIGNED = (*(NetScenario(2, 5, 16, keep, lambd, 0.5, 3, seed, scale) for keep, lambd, seed, scale in (
    (0.7, 0.7, 1, 0.5), (0.5, 0.0, 2, 1.5), (0.86, 1.5, 3, 0.01), (1.0, 0.3, 4, 0.5))),
    NetScenario(3, 10, 32, 0.6, 0.0, 0.05, 14, 5, 1.5))  # and a training run: fourteen passes on one batch


def torch_reference(X, Y, parameters, keep, keep_prob, lambd):
    """(A2, cost, {dW1, db1, dW2, db2}) of the contract, in float64 torch, given the keep mask. The cost
    goes through the logits (binary_cross_entropy_with_logits: the same function, and where the
    sigmoid saturates its gradient is still A2 - Y exactly, as the students' formula gives it)."""
    import torch
    tensors = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True) for name, value in parameters.items()}
    inputs, labels = torch.from_numpy(X), torch.from_numpy(Y)
    A1 = torch.tanh(tensors["W1"] @ inputs + tensors["b1"])
    Z2 = tensors["W2"] @ (A1 * torch.from_numpy(keep.astype(np.float64)) / keep_prob) + tensors["b2"]
    m = Y.shape[1]
    cost = torch.nn.functional.binary_cross_entropy_with_logits(Z2, labels, reduction="mean") + lambd / (2 * m) * (
        torch.sum(tensors["W1"] ** 2) + torch.sum(tensors["W2"] ** 2))
    cost.backward()
    return (torch.sigmoid(Z2).detach().numpy(), float(cost.detach()),
            {name: tensors[name].grad.numpy() for name in PARAMETERS})


def regularized_cost(A2, Y, W1, W2, lambd):
    """Mean binary cross-entropy over the m examples + lambd / (2 m) (sum W1^2 + sum W2^2), torch."""
    import torch
    m = Y.shape[1]
    cross_entropy = torch.nn.functional.binary_cross_entropy(A2, Y, reduction="mean")
    return cross_entropy + lambd / (2 * m) * (torch.sum(W1 ** 2) + torch.sum(W2 ** 2))


def _replay(check, scenario):
    return (f"\nScenario: {scenario.describe()}\nReplay: from reference.assignments.two_layer import *; "
            f"import two_layer_net; replay({check!r}, {scenario!r}, two_layer_net)")


def _once_per_draw(example, tally):
    """A for_all body: example(scenario, tally), counting each draw once (the same seed draws the same
    masks from NumPy's global RNG, which are not independent of the first's): a repeat counts nowhere."""
    seen = set()

    def body(scenario):
        fresh = scenario.seed not in seen
        seen.add(scenario.seed)
        example(scenario, tally if fresh else None)
    body.seen = seen
    return body
