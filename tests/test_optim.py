"""Each cs231n update rule follows the matching torch.optim optimizer, step for step, over 5-8 steps."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reference.core import conventions
from reference.core import tolerances
from reference.core.comparator import assert_close
from reference.core.strategies import bounded_arrays
from toyframe import optim

# rule -> (its config from drawn hyperparameters, the torch optimizer with the same meaning)
RULES = {
    "sgd": (lambda h: {"learning_rate": h["lr"]}, lambda params, h: torch.optim.SGD(params, lr=h["lr"])),
    "sgd_momentum": (lambda h: {"learning_rate": h["lr"], "momentum": h["momentum"]},
                     lambda params, h: torch.optim.SGD(params, lr=h["lr"], momentum=h["momentum"])),
    "rmsprop": (lambda h: {"learning_rate": h["lr"], "decay_rate": h["decay"], "epsilon": h["eps"]},
                lambda params, h: torch.optim.RMSprop(params, lr=h["lr"], alpha=h["decay"], eps=h["eps"])),
    "adam": (lambda h: {"learning_rate": h["lr"], "beta1": h["beta1"], "beta2": h["beta2"], "epsilon": h["eps"]},
             lambda params, h: torch.optim.Adam(params, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"])),
}

HYPERPARAMETERS = st.fixed_dictionaries({
    "lr": st.floats(1e-4, 0.5), "momentum": st.floats(0.0, 0.99), "decay": st.floats(0.5, 0.999),
    "beta1": st.floats(0.5, 0.99), "beta2": st.floats(0.9, 0.9999), "eps": st.sampled_from([1e-8, 1e-6, 1e-3])})


@given(rule=st.sampled_from(sorted(RULES)), w=bounded_arrays((3, 4), 2.0), hyper=HYPERPARAMETERS,
       gradients=st.integers(5, 8).flatmap(lambda n: hnp.arrays(np.float64, (n, 3, 4), elements=st.floats(-2, 2),
                                                                 fill=st.nothing())))
def test_update_rule_follows_torch_optimizer(rule, w, hyper, gradients):
    make_config, make_optimizer = RULES[rule]
    update, config = getattr(optim, rule), make_config(hyper)
    parameter = conventions.to_torch(w).requires_grad_(True)
    optimizer = make_optimizer([parameter], hyper)
    ours = w.copy()
    for step, gradient in enumerate(gradients, start=1):
        ours, config = update(ours, gradient, config)
        parameter.grad = conventions.to_torch(gradient)
        optimizer.step()
        assert_close(ours, conventions.to_numpy(parameter), quantity=f"{rule}: w after step {step}",
                     tolerance=tolerances.FLOAT64)


@given(w=bounded_arrays((2, 2), 1.0), dw=bounded_arrays((2, 2), 1.0))
def test_defaults_are_cs231n_s(w, dw):
    assert optim.sgd(w, dw)[1] == {"learning_rate": 1e-2}
    assert {k: v for k, v in optim.sgd_momentum(w, dw)[1].items() if k != "velocity"} == {
        "learning_rate": 1e-2, "momentum": 0.9}
    assert {k: v for k, v in optim.rmsprop(w, dw)[1].items() if k != "cache"} == {
        "learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}
    assert {k: v for k, v in optim.adam(w, dw)[1].items() if k not in ("m", "v")} == {
        "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}
