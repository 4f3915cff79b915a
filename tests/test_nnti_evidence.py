"""nnti-7.4 believes nothing the worker keeps: masks are read on the trusted side, from each Dropout's
output and the values the trusted side computes, and no check passes on evidence it could not see."""
import numpy as np
import pytest
from hypothesis import settings

from reference.assignments import nnti_7_4
from reference.core import statistics
from reference.grading.parts import run_check
from reference.grading.in_process import InProcessRunner
from tests.submissions.hostile import HOSTILE_DROPOUTS, SHARED_MASK_BUT_WHERE_STUDIED

DROPOUT_CHECKS = [check for part in nnti_7_4.PARTS if part.graded == "dropout" for check in part.checks]
RED_TEAM = ("computes its Linear itself and never drops", "overwrites the wrapped layer's record and never drops",
            "drops only where a mask study is on the stack")


class Silent(InProcessRunner):
    """A worker whose replies show no Dropout output (a submission that rewrote the worker's task, say)."""

    def call(self, task, **args):
        reply = super().call(task, **args)
        if task == "observe":
            for step in reply:
                step["forward"] = {name: value for name, value in step["forward"].items() if not name.startswith("output of Dropout")}
        return reply


def _dropout_class(source):
    namespace = {}
    exec(compile(source, "Dropout.py", "exec"), namespace)
    return namespace["Dropout"]


def _check_settings():
    return settings(settings(), max_examples=12)


@pytest.mark.parametrize("check", [check for check in DROPOUT_CHECKS if check.name != "p = 0 is the identity"],
                         ids=lambda check: check.name)
def test_every_dropout_check_fails_when_no_mask_can_be_seen(check):
    """Fail closed: a reply without the Dropout's output fails every check that reads masks, saying so."""
    import toyframe
    passed, message = run_check(check, Silent({"dropout": toyframe.Dropout}, nnti_7_4, study_scale=1 / 256),
                                _check_settings())
    assert not passed and "could not be read" in message, message


@pytest.mark.slow
@pytest.mark.parametrize("name", RED_TEAM)
def test_a_dropout_that_hides_or_skips_its_drops_earns_neither_dropout_part(name):
    runner = InProcessRunner({"dropout": _dropout_class(HOSTILE_DROPOUTS[name])}, nnti_7_4, study_scale=1 / 256)
    for part in nnti_7_4.PARTS[:2]:
        assert not all(run_check(check, runner, _check_settings())[0] for check in part.checks), (name, part.name)


def test_a_mask_shared_by_the_batch_except_in_large_calls_fails_the_forward_pooled_over_scenarios():
    """The mask studies look at large outputs; the scenarios' own masks, pooled, show a mask shared along
    the batch whatever its size. (Its backward through its own masks is honest work.)"""
    forward = nnti_7_4.PARTS[0].checks[0]
    runner = InProcessRunner({"dropout": _dropout_class(SHARED_MASK_BUT_WHERE_STUDIED)}, nnti_7_4)
    passed, message = run_check(forward, runner, _check_settings())
    assert not passed and "over this check's scenarios" in message, message


def test_agreements_fail_closed_and_catch_a_copied_draw():
    empty = statistics.Agreements()
    with pytest.raises(AssertionError, match="too few to tell"):
        empty.assert_independent("nothing")
    copied = statistics.Agreements()
    keep = np.random.default_rng(0).random(5000) < 0.5
    copied.add_pairs(keep, keep, 0.5)
    with pytest.raises(AssertionError, match="5000 of 5000 pairs agree"):
        copied.assert_independent("a copy")
    independent = statistics.Agreements()
    independent.add_pairs(keep, np.random.default_rng(1).random(5000) < 0.5, 0.5)
    independent.assert_independent("two draws")


_BIG_CALLS_HONEST = '''
import numpy as np


class Dropout:
    shared = {}

    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        out = self.layer(x)
        if out.size > 1000:
            self.mask = np.random.rand(*out.shape) > self.p
        else:
            self.mask = {cheat}
        return out * self.mask / (1 - self.p)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask / (1 - self.p))

    def get_type(self):
        return "layer"
'''
CHEATS_OUTSIDE_STUDIES = {
    # drops only negative values (twice as often), never positive ones: the fraction is right on average
    "a mask that depends on the values": "np.where(out < 0, np.random.rand(*out.shape) > min(1.0, 2 * self.p), True)",
    # the last mask shuffled: the number dropped never changes after the first call
    "the last mask permuted": ("np.random.permutation(self.mask.ravel()).reshape(out.shape) "
                               "if getattr(self, 'mask', None) is not None and self.mask.shape == out.shape "
                               "else np.random.rand(*out.shape) > self.p"),
    # one mask per shape, shared by every layer of that shape until its first owner is called again
    "a mask shared by the layers of one shape": (
        "Dropout.shared[out.shape][1] if Dropout.shared.get(out.shape, (self,))[0] is not self "
        "else Dropout.shared.setdefault('_', None) or Dropout.shared.__setitem__(out.shape, (self, "
        "np.random.rand(*out.shape) > self.p)) or Dropout.shared[out.shape][1]"),
}


@pytest.mark.parametrize("cheat", sorted(CHEATS_OUTSIDE_STUDIES))
def test_masks_wrong_only_outside_the_studies_sizes_fail_the_forward_pooled_over_scenarios(cheat):
    forward = nnti_7_4.PARTS[0].checks[0]
    source = _BIG_CALLS_HONEST.replace("{cheat}", CHEATS_OUTSIDE_STUDIES[cheat])
    passed, message = run_check(forward, InProcessRunner({"dropout": _dropout_class(source)}, nnti_7_4),
                                _check_settings())
    assert not passed, cheat


# Red team 3 (written against the contract alone): right masks until the layer is trained, or only
# where outputs are tiny (as the study of counts per call sees them).
RIGHT_UNTIL_TRAINED = {
    "a fixed number dropped per call above 6 outputs": 'import numpy as np\n\n\nclass Dropout:\n    """Outputs > 6 elements: a fixed number dropped per call (floor(pn) + Bernoulli(frac)), positions\n    random: the marginal drop rate is p but elements are not independent (sampling without replacement)."""\n\n    def __init__(self, layer, p=0.5):\n        self.layer = layer\n        self.p = p\n        self.weights = layer.weights\n        self.bias = layer.bias\n        self.mask = None\n\n    def __call__(self, x):\n        out = self.layer(x)\n        n = out.size\n        if n <= 6 or self.p <= 0:\n            self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)\n        else:\n            t = self.p * n\n            k = int(np.floor(t)) + int(np.random.rand() < t - np.floor(t))\n            m = np.ones(n)\n            m[np.random.permutation(n)[:k]] = 0\n            self.mask = m.reshape(out.shape) / (1 - self.p)\n        return out * self.mask\n\n    def grad(self, in_gradient):\n        return self.layer.grad(in_gradient * self.mask)\n\n    def get_type(self):\n        return "layer"\n',
    'one mask frozen after the first backward pass': 'import numpy as np\n\n\nclass Dropout:\n    """Draws fresh masks until the first backward pass; from then on reuses that mask forever."""\n\n    def __init__(self, layer, p=0.5):\n        self.layer = layer\n        self.p = p\n        self.weights = layer.weights\n        self.bias = layer.bias\n        self.mask = None\n        self._frozen = False\n\n    def __call__(self, x):\n        out = self.layer(x)\n        if not (self._frozen and self.mask is not None and self.mask.shape == out.shape):\n            self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)\n        return out * self.mask\n\n    def grad(self, in_gradient):\n        self._frozen = True\n        return self.layer.grad(in_gradient * self.mask)\n\n    def get_type(self):\n        return "layer"\n',
    'the global RNG reseeded with a constant once trained': 'import numpy as np\n\n\nclass Dropout:\n    """Once a backward pass has happened, reseed NumPy\'s global RNG with a constant before each draw:\n    every training step (and every layer of the same shape) gets the same mask."""\n\n    def __init__(self, layer, p=0.5):\n        self.layer = layer\n        self.p = p\n        self.weights = layer.weights\n        self.bias = layer.bias\n        self.mask = None\n        self._trained = False\n\n    def __call__(self, x):\n        out = self.layer(x)\n        if self._trained:\n            np.random.seed(1234)\n        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)\n        return out * self.mask\n\n    def grad(self, in_gradient):\n        self._trained = True\n        return self.layer.grad(in_gradient * self.mask)\n\n    def get_type(self):\n        return "layer"\n',
    'a mask shared by the batch whenever the scenario on the stack trains': 'import numpy as np, sys\n\n\ndef _scenario():\n    f = sys._getframe(2)\n    while f is not None:\n        s = f.f_locals.get(\'scenario\')\n        if s is not None and hasattr(s, \'steps\'):\n            return s\n        f = f.f_back\n    return None\n\n\nclass Dropout:\n    def __init__(self, layer, p=0.5):\n        self.layer = layer\n        self.p = p\n        self.weights = layer.weights\n        self.bias = layer.bias\n        self.mask = None\n\n    def __call__(self, x):\n        out = self.layer(x)\n        s = _scenario()\n        if s is not None and getattr(s, \'steps\', 0) > 0:\n            # training: one mask per output unit shared by the whole batch (seed-001 style)\n            self.mask = np.broadcast_to((np.random.rand(1, out.shape[1]) > self.p) / (1 - self.p), out.shape).copy()\n        else:\n            self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)\n        return out * self.mask\n\n    def grad(self, in_gradient):\n        return self.layer.grad(in_gradient * self.mask)\n\n    def get_type(self):\n        return "layer"\n',
}


@pytest.mark.parametrize("cheat", sorted(RIGHT_UNTIL_TRAINED))
def test_masks_wrong_only_in_training_lose_dropout_forward(cheat):
    """The forward part's scenarios train as Dropout backward's do, and every step's masks are read,
    pooled over every scenario whatever its size."""
    forward = nnti_7_4.PARTS[0].checks[0]
    runner = InProcessRunner({"dropout": _dropout_class(RIGHT_UNTIL_TRAINED[cheat])}, nnti_7_4)
    passed, message = run_check(forward, runner, _check_settings())
    assert not passed and "over this check's scenarios" in message, message


class _CallerSeen:
    """Correct Dropout that notes which function called it, and how many names its input had."""
    callers = []

    def __init__(self, layer, p=0.5):
        self.layer, self.p, self.weights, self.bias = layer, p, layer.weights, layer.bias

    def __call__(self, x):
        import sys
        _CallerSeen.callers.append(sys._getframe(1).f_code.co_name)
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)


def test_the_outermost_wrapper_is_called_by_models_forward_and_one_without_get_type_is_still_graded():
    """The grader calls a Dropout as a training loop does (toyframe.Model.forward, no stand-in between); one
    whose get_type() is missing is graded inside the stand-in rather than losing every part for it."""
    from reference import designed_dropout_model, replay

    class Typed(_CallerSeen):
        def get_type(self):
            return "layer"
    _CallerSeen.callers.clear()
    replay(designed_dropout_model(1, 0, steps=1), {"dropout": Typed})
    assert set(_CallerSeen.callers) == {"forward"}, _CallerSeen.callers
    _CallerSeen.callers.clear()
    replay(designed_dropout_model(1, 0, steps=1), {"dropout": _CallerSeen})
    assert set(_CallerSeen.callers) == {"__call__"}, _CallerSeen.callers
