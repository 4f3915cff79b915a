"""reference: the trusted side, by concern: core/ (scenarios, runners, the PyTorch mirror, tolerances,
comparison, statistics), sandbox/ (where a submission runs: worker, wire, isolation), grading/ (parts,
the pytest plugin, results.json) and assignments/ (one module per assignment graded).

Exports are imported on first use, so that `reference.core.runner` and `reference.sandbox.worker` (which run a
submission, far from any reference value) never load torch.
"""
import importlib

_EXPORTS = {
    "LayerSpec": "scenario", "ConvSpec": "scenario", "PoolSpec": "scenario", "FlattenSpec": "scenario",
    "Scenario": "scenario", "Wrap": "scenario", "Trace": "trace", "run": "runner",
    "expected_trace": "torch_mirror", "assert_close": "comparator", "assert_traces_close": "comparator",
    "check_trace": "equivalence", "comparable": "equivalence", "replay": "equivalence", "ASSIGNMENT": "tolerances",
    "designed_dropout_model": "strategies", "designed_l2_model": "strategies", "designed_lenet": "strategies",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'reference' has no attribute {name!r}")
    return getattr(importlib.import_module(f".core.{_EXPORTS[name]}", __name__), name)
