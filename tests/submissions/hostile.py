"""Hostile Dropout.py files: each tries to earn points it did not earn, or to stop grading."""
from . import CORRECT_DROPOUT

# An identity "dropout" that never drops: wrong, so it must earn nothing for the Dropout parts.
_IDENTITY = '''
class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        return self.layer(x)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"
'''

HOSTILE_DROPOUTS = {
    "re-exports the model solution": """
from toyframe.layers import Dropout
""",
    "reads the model solution from disk": """
import os
import toyframe.layers

folder = os.path.dirname(toyframe.layers.__file__)
source = ""
for name in ("dropout.py", "regularization.py"):
    with open(os.path.join(folder, name)) as stream:
        source += stream.read()
exec(compile(source.replace("from .. import _checks", "from toyframe import _checks")
                   .replace("from .wrapper import", "from toyframe.layers.wrapper import"), "solution", "exec"))
""",
    "finds the model solution in memory": """
import gc

for candidate in gc.get_objects():
    if isinstance(candidate, type) and candidate.__name__ == "Dropout" and candidate.__module__.startswith("toyframe"):
        Dropout = candidate
        break
else:
    raise RuntimeError("no model solution in this process")
""",
    "monkeypatches comparisons and host classes": '''
import numpy as np
import numpy.testing
import toyframe

np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.array_equal = lambda *args, **kwargs: True
toyframe.Linear.grad = lambda self, g, input_grad=True: (0 * self.weights, 0 * self.x)
''' + _IDENTITY,
    "sys.exit(0) at import": "import sys\nsys.exit(0)\n" + CORRECT_DROPOUT,
    "os._exit(0) inside a call": CORRECT_DROPOUT.replace(
        "        out = self.layer(x)\n", "        import os\n        os._exit(0)\n"),
    "never returns": CORRECT_DROPOUT.replace("        out = self.layer(x)\n", "        while True:\n            pass\n"),
    "allocates memory without bound": CORRECT_DROPOUT.replace(
        "        out = self.layer(x)\n", "        hoard = []\n        while True:\n            hoard.append(bytearray(2**26))\n"),
    "prints fake JSON and writes results files": '''
import json, os
fake = json.dumps({"score": 3.0, "tests": [{"name": "Dropout forward", "score": 1.0, "max_score": 1.0}]})
print(fake)
beside_submission = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                 "results", "results.json")
for path in ("results.json", "/autograder/results/results.json", beside_submission):
    try:
        with open(path, "w") as stream:
            stream.write(fake)
    except Exception:
        pass
''' + _IDENTITY,
    "returns an ndarray subclass that lies": '''
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __sub__(self, other):
        return np.zeros(np.shape(self)).view(Liar)

    __rsub__ = __sub__

    def __abs__(self):
        return np.zeros(np.shape(self)).view(Liar)


class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        return np.zeros(self.layer(x).shape).view(Liar)

    def grad(self, in_gradient):
        d_weights, d_x = self.layer.grad(in_gradient)
        return np.zeros_like(d_weights).view(Liar), np.zeros_like(d_x).view(Liar)

    def get_type(self):
        return "layer"
''',
    "walks the call stack for expected values": '''
import gc
import inspect

import numpy as np


class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def _steal(self, shape):
        for frame in inspect.stack():
            for name, value in frame.frame.f_locals.items():
                if "expected" in name and getattr(value, "shape", None) == shape:
                    return value
        for value in gc.get_objects():
            if isinstance(value, dict) and "output" in value and getattr(value["output"], "shape", None) == shape:
                return value["output"]
        return None

    def __call__(self, x):
        out = self.layer(x)
        stolen = self._steal(out.shape)
        return out if stolen is None else stolen

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"
''',
    # Red team 2 (issue 17): records the harness once kept in the worker.
    "computes its Linear itself and never drops": '''
class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        self.layer.x = x  # what the Linear's grad needs, without calling the Linear
        return x @ self.layer.weights + self.layer.bias

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"
''',
    "overwrites the wrapped layer's record and never drops": '''
import gc

import numpy as np


class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        out = self.layer(x)
        for holder in (self.layer, *[obj for obj in gc.get_referrers(self) if hasattr(obj, "__dict__")]):
            for name in ("output", "received", "mask"):
                if hasattr(holder, name):
                    setattr(holder, name, np.zeros_like(out))
        return out

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient)

    def get_type(self):
        return "layer"
''',
    "drops only where a mask study is on the stack": '''
import inspect

import numpy as np


class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias
        self.mask = None

    def _watched(self, out):
        names = " ".join(frame.function + " " + str(frame.frame.f_locals.get("task", "")) for frame in inspect.stack())
        return "mask" in names or "stud" in names or "sample" in names or out.size > 1000

    def __call__(self, x):
        out = self.layer(x)
        self.mask = (np.random.rand(*out.shape) > self.p) if self._watched(out) else np.ones(out.shape, bool)
        return out * self.mask / (1 - self.p)

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask / (1 - self.p))

    def get_type(self):
        return "layer"
''',
}

# Red team 2: drops a genuine mask, shared by every example (one draw per unit), except in large calls (where
# the mask studies look): its backward is honest work through its own masks, its forward is not.
SHARED_MASK_BUT_WHERE_STUDIED = '''
import numpy as np


class Dropout:
    def __init__(self, layer, p=0.5):
        self.layer, self.p = layer, p
        self.weights, self.bias = layer.weights, layer.bias

    def __call__(self, x):
        out = self.layer(x)
        shape = out.shape if out.size > 1000 else (1, out.shape[1])
        self.mask = (np.random.rand(*shape) > self.p) / (1 - self.p)
        return out * self.mask

    def grad(self, in_gradient):
        return self.layer.grad(in_gradient * self.mask)

    def get_type(self):
        return "layer"
'''

# Code behind a hoard: at import it allocates memory 8 MiB at a time, touching every page, until the worker's
# address-space limit stops it (MemoryError), then keeps all of it but `margin_mib`. Prepend it to any
# assignment's file. What it holds is what the box (the grader and every process below it) must have room
# for beside the grader (benchmarks/grading_budget.py).
def hoarding(margin_mib):
    return f'''
import numpy as _np

_HOARD = []
try:
    while True:
        _HOARD.append(_np.ones(2**20))
except MemoryError:
    del _HOARD[-{max(1, margin_mib // 8)}:]
'''


# Then correct: the margin is what grading a correct nnti-7.4 submission needs above the worker's start at
# the mask studies' full size (160-174 MiB under the default limit), so that it still earns every point.
HOARD_MARGIN_MIB = 192
HOARD_MEMORY = hoarding(HOARD_MARGIN_MIB)
HOARDS_MEMORY_THEN_CORRECT = HOARD_MEMORY + CORRECT_DROPOUT
# Holding all it can (16 MiB left to run in), whatever it earns.
HOARD_ALL_MEMORY = hoarding(16)
