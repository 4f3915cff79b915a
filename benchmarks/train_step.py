"""Time one training step of a small MLP in toyframe, in PyTorch, and at the matrix-product floor.

What is measured
----------------
One training step of

    Linear(1024, 1024) - ReLU - Dropout(Linear(1024, 1024), p=0.5) - ReLU
        - L2regularization(Linear(1024, 10), coefficient=0.01)

on a batch of 256 inputs with 10 classes: forward, loss (softmax cross-entropy plus the L2
penalty 0.01 * sum(W3**2)), backward, and a plain SGD update of every weight and bias.
Three implementations are timed in the same process, in float64 and/or float32:

  toyframe  toyframe.Model with CrossEntropy, Model.backward and Model.update_parameters.
  torch     an equivalent nn.Module (nn.Linear, ReLU, nn.Dropout(0.5) after the middle
            Linear) on the CPU: F.cross_entropy + 0.01 * sum(W3**2), loss.backward(),
            torch.optim.SGD.step() and zero_grad().
  floor     only the step's eight unavoidable matrix products, done with NumPy `@` on
            arrays of the same shapes and dtype: three forward products X @ W, three
            weight gradients X^T @ G, and the input gradients G @ W^T of layers 3 and 2
            (layer 1's input gradient is not needed). A NumPy framework cannot do the
            step in less time than this.

How
---
Every step is timed on its own with time.perf_counter (garbage collection off while
timing). The implementations take turns in rounds: in each round, each one runs a few
untimed warm-up steps and then its share of the timed steps. Taking turns means all three
see the same machine conditions (on a shared or virtual machine, the speed of the CPU can
change from one second to the next), and warming up before each block hides the hand-over
between NumPy's BLAS threads and torch's OpenMP threads. The table shows the MEDIAN step
time of each in milliseconds, and the ratios toyframe/torch (goal <= 0.60) and
toyframe/floor (goal <= 1.30). The goals are reported, not enforced: the exit code is 0
whether they are met or not. Each row also shows "others", the share of the CPUs that other
processes used meanwhile: above a few per cent (tests or builds running beside the benchmark)
the row is not trustworthy; run it again. A second table gives, per implementation, the
quartiles p25-p75 of the step times and the page faults per step (memory freed by one step
that the allocator gave back to the system and the next step had to map in again).

With --profile the script then breaks one toyframe step down, per component call (the real
toyframe code, run in step order) and per NumPy operation inside those calls, so where
toyframe's time goes can be reproduced.

Usage, from the repository root:

    python benchmarks/train_step.py                  # both dtypes, 40 timed steps each
    python benchmarks/train_step.py --dtype float32 --repeats 100
    python benchmarks/train_step.py --quick          # a few steps, to check that it runs
    python benchmarks/train_step.py --profile        # plus where toyframe's time goes

The environment matters as much as the code; the numbers change with, e.g.:
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1    one thread for NumPy's BLAS and for torch
    OPENBLAS_CORETYPE=SkylakeX                  OpenBLAS's AVX-512 kernels, on a CPU that has AVX-512
                                                but that OpenBLAS does not recognise (it then uses Haswell)
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1000000000
                                                glibc keeps freed memory instead of returning it,
                                                so large arrays do not page-fault on every step
"""
import argparse
import ctypes
import gc
import glob
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

try:
    import resource  # Unix only: page-fault counts for --profile
except ImportError:
    resource = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this repository's toyframe, from anywhere

from toyframe import CrossEntropy, Dropout, L2regularization, Linear, Model, ReLU  # noqa: E402
from toyframe.layers import wrapped_chain  # noqa: E402

BATCH = 256
FEATURES = 1024
HIDDEN = 1024
CLASSES = 10
DROP_P = 0.5
L2_COEFFICIENT = 0.01
LEARNING_RATE = 0.01
GOAL_VS_TORCH = 0.60
GOAL_VS_FLOOR = 1.30
DTYPES = {"float64": np.float64, "float32": np.float32}
TORCH_DTYPES = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}
IMPLEMENTATIONS = ("toyframe", "torch", "floor")


# ---------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------

def blas_summary():
    """One line naming NumPy's BLAS, as built and, for OpenBLAS, as running (kernel, threads)."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception as error:  # NumPy < 2 or an unusual build: say so rather than fail
        return f"unknown ({type(error).__name__}: {error})"
    summary = f"{blas.get('name', '?')} {blas.get('version', '?')}"
    configuration = " ".join(str(blas.get("openblas configuration", "")).split())
    if configuration:
        summary += f" ({configuration})"
    runtime = openblas_runtime()
    return f"{summary}; running: {runtime}" if runtime else summary


def openblas_runtime():
    """'kernel Haswell, 2 threads' from the OpenBLAS bundled with NumPy's wheel, or None."""
    libraries = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*"))
    for path in libraries:
        try:
            library = ctypes.CDLL(path)  # already loaded by NumPy: this only looks it up
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
            try:
                corename = getattr(library, f"{prefix}get_corename{suffix}")
                threads = getattr(library, f"{prefix}get_num_threads{suffix}")
            except AttributeError:
                continue
            corename.restype = ctypes.c_char_p
            return f"kernel {corename().decode()}, {threads()} threads"
    return None


def print_environment(args):
    variables = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    print(f"numpy {np.__version__}, BLAS: {blas_summary()}")
    print(f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}, "
          f"os.cpu_count() = {os.cpu_count()}; " + ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in variables))
    print(f"step: batch {BATCH}, MLP {FEATURES}-{HIDDEN}-{HIDDEN}-{CLASSES}, dropout p={DROP_P} after layer 2, "
          f"L2 {L2_COEFFICIENT} on layer 3, SGD lr={LEARNING_RATE}, {args.targets} targets")
    print(f"timing: median of {args.repeats} individually timed steps per implementation, taken in "
          f"{args.rounds} rounds, each after {args.warmup} warm-up steps\n")


# ---------------------------------------------------------------------------------------
# The three implementations: each make_*_step returns a function doing one training step
# ---------------------------------------------------------------------------------------

def make_batch(dtype, targets_kind, rng):
    """x: (BATCH, FEATURES) in dtype; targets: class indices (BATCH,) int64, or one-hot rows in dtype."""
    x = rng.standard_normal((BATCH, FEATURES)).astype(dtype)
    classes = rng.integers(0, CLASSES, size=BATCH)
    return (x, classes) if targets_kind == "index" else (x, np.eye(CLASSES, dtype=dtype)[classes])


def build_toyframe_model(dtype, seed):
    rng = np.random.default_rng(seed)
    return Model([
        Linear(FEATURES, HIDDEN, rng=rng, dtype=dtype),
        ReLU(),
        Dropout(Linear(HIDDEN, HIDDEN, rng=rng, dtype=dtype), p=DROP_P),
        ReLU(),
        L2regularization(Linear(HIDDEN, CLASSES, rng=rng, dtype=dtype), coefficient=L2_COEFFICIENT),
    ])


def make_toyframe_step(model, x, targets):
    loss_function = CrossEntropy()

    def step():
        loss = loss_function(model.forward(x), targets) + model.penalty()
        grads = model.backward(loss_function.grad())
        model.update_parameters(grads, LEARNING_RATE)
        return loss

    return step


class TorchNet(nn.Module):
    """The same network in PyTorch."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(FEATURES, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, HIDDEN)
        self.dropout = nn.Dropout(DROP_P)
        self.fc3 = nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = F.relu(self.dropout(self.fc2(h)))
        return self.fc3(h)

    def penalty(self):
        return L2_COEFFICIENT * self.fc3.weight.pow(2).sum()


def torch_model_like(toyframe_model):
    """A TorchNet in the toyframe model's dtype, with the same weights and biases."""
    layers = [toyframe_model.components[i] for i in (0, 2, 4)]
    net = TorchNet().to(TORCH_DTYPES[layers[0].weights.dtype])
    with torch.no_grad():
        for module, layer in zip((net.fc1, net.fc2, net.fc3), layers):
            module.weight.copy_(torch.from_numpy(layer.weights.T.copy()))
            module.bias.copy_(torch.from_numpy(layer.bias.reshape(-1).copy()))
    return net.train()


def make_torch_step(net, x, targets):
    x, targets = torch.from_numpy(x), torch.from_numpy(targets)
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), targets) + net.penalty()
        loss.backward()
        optimizer.step()
        return loss

    return step


def floor_products(dtype, rng):
    """The step's eight unavoidable matrix products on random arrays of its shapes, as
    (label, function) pairs in step order. X1..X3 are the layers' inputs, G1..G3 dL/d(output).
    The values do not matter; the profile reuses the list to price each product."""
    def array(*shape):
        return rng.standard_normal(shape).astype(dtype)

    X1, X2, X3 = array(BATCH, FEATURES), array(BATCH, HIDDEN), array(BATCH, HIDDEN)
    W1, W2, W3 = array(FEATURES, HIDDEN), array(HIDDEN, HIDDEN), array(HIDDEN, CLASSES)
    G1, G2, G3 = array(BATCH, HIDDEN), array(BATCH, HIDDEN), array(BATCH, CLASSES)
    return [
        ("layer 1 forward X1 @ W1", lambda: X1 @ W1),
        ("layer 2 forward X2 @ W2", lambda: X2 @ W2),
        ("layer 3 forward X3 @ W3", lambda: X3 @ W3),
        ("layer 3 dW      X3.T @ G3", lambda: X3.T @ G3),
        ("layer 3 dX      G3 @ W3.T", lambda: G3 @ W3.T),
        ("layer 2 dW      X2.T @ G2", lambda: X2.T @ G2),
        ("layer 2 dX      G2 @ W2.T", lambda: G2 @ W2.T),
        ("layer 1 dW      X1.T @ G1", lambda: X1.T @ G1),
    ]


def make_floor_step(products):
    def step():
        for _, product in products:
            product()

    return step


def make_steps(dtype, args):
    """{implementation: one-step function}, all three on the same batch and starting weights."""
    rng = np.random.default_rng(args.seed)
    x, targets = make_batch(dtype, args.targets, rng)
    toyframe_model = build_toyframe_model(dtype, args.seed)
    np.random.seed(args.seed)     # toyframe's Dropout draws its masks from NumPy's global RNG,
    torch.manual_seed(args.seed)  # torch's from its own
    return {
        "toyframe": make_toyframe_step(toyframe_model, x, targets),
        "torch": make_torch_step(torch_model_like(toyframe_model), x, targets),
        "floor": make_floor_step(floor_products(dtype, rng)),
    }


# ---------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------

def time_calls(function, warmup, repeats):
    """Seconds taken by each of `repeats` calls of function(), after `warmup` untimed calls."""
    for _ in range(warmup):
        function()
    samples = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
    finally:
        if gc_was_enabled:
            gc.enable()
    return samples


def time_in_rounds(functions, warmup, repeats, rounds):
    """`repeats` timed calls of each function, in `rounds` rounds where the functions take
    turns, each warming up before its block. Returns ({name: seconds of each timed call},
    {name: page faults per call, warm-up included, or None where they cannot be counted})."""
    samples = {name: [] for name in functions}
    faults = {name: 0 for name in functions}
    for round_index in range(rounds):
        block = repeats // rounds + (round_index < repeats % rounds)
        for name, function in functions.items():
            before = page_faults()
            samples[name] += time_calls(function, warmup, block)
            if before is not None:
                faults[name] += page_faults() - before
    calls = repeats + rounds * warmup
    return samples, {name: None if resource is None else count / calls for name, count in faults.items()}


def page_faults():
    """Minor page faults of this process so far (Unix), or None: each maps a fresh page of memory
    in, typically memory that the allocator had given back to the system when arrays were freed."""
    return None if resource is None else resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def busy_cpu_seconds():
    """CPU seconds the whole machine has been busy since boot (Linux /proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in stat.readline().split()[1:8])
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def others_share(function):
    """(function(), the share of all CPUs that OTHER processes kept busy while it ran, or None).

    Near 0 means the timings are trustworthy; other processes (tests, builds) slow the
    steps down and, by stealing a core from a 2-thread BLAS, can make them many times slower.
    """
    busy, own, start = busy_cpu_seconds(), sum(os.times()[:2]), time.perf_counter()
    result = function()
    elapsed, busy_after = time.perf_counter() - start, busy_cpu_seconds()
    if busy is None or busy_after is None:
        return result, None
    others = (busy_after - busy) - (sum(os.times()[:2]) - own)
    return result, max(0.0, others / (elapsed * os.cpu_count()))


def summarize(dtype, samples, faults, others):
    """A table row: dtype, the others' CPU share and, per implementation, its median, p25 and
    p75 step time in ms and its page faults per step."""
    row = {"dtype": np.dtype(dtype).name, "others": others}
    for name, seconds in samples.items():
        ms = [1e3 * s for s in seconds]
        p25, _, p75 = statistics.quantiles(ms, n=4) if len(ms) > 1 else (ms[0],) * 3
        row[name] = {"median": statistics.median(ms), "p25": p25, "p75": p75, "faults": faults[name]}
    return row


def benchmark(dtype, args):
    steps = make_steps(dtype, args)
    (samples, faults), others = others_share(lambda: time_in_rounds(steps, args.warmup, args.repeats, args.rounds))
    return summarize(dtype, samples, faults, others)


def print_table(rows):
    """The medians and the two ratios against their goals, then the spread and page faults."""
    header = (f"{'dtype':<8} {'toyframe ms':>11} {'torch ms':>9} {'floor ms':>9} "
              f"{'toyframe/torch':>15} {'toyframe/floor':>15} {'others':>7}")
    print(header)
    print("-" * len(header))
    for row in rows:
        toyframe, torch_ms, floor = (row[name]["median"] for name in IMPLEMENTATIONS)
        print(f"{row['dtype']:<8} {toyframe:>11.2f} {torch_ms:>9.2f} {floor:>9.2f} "
              f"{ratio_cell(toyframe / torch_ms, GOAL_VS_TORCH):>15} {ratio_cell(toyframe / floor, GOAL_VS_FLOOR):>15} "
              f"{format_percent(row['others']):>7}")
    print(f"goals: toyframe/torch <= {GOAL_VS_TORCH:.2f}, toyframe/floor <= {GOAL_VS_FLOOR:.2f} "
          f"(ok = met, MISS = not met)")
    print("others: share of the CPUs other processes used meanwhile; above a few % the row is not trustworthy\n")
    print(f"{'dtype':<8} {'p25-p75 ms: toyframe':>21} {'torch':>11} {'floor':>11}   "
          f"{'page faults/step: toyframe':>27} {'torch':>6} {'floor':>6}")
    for row in rows:
        spreads = (f"{row[name]['p25']:.1f}-{row[name]['p75']:.1f}" for name in IMPLEMENTATIONS)
        faults = ("?" if row[name]["faults"] is None else f"{row[name]['faults']:.0f}" for name in IMPLEMENTATIONS)
        print(f"{row['dtype']:<8} {'{:>21} {:>11} {:>11}'.format(*spreads)}   {'{:>27} {:>6} {:>6}'.format(*faults)}")


def ratio_cell(ratio, goal):
    return f"{ratio:.2f} {'ok' if ratio <= goal else 'MISS'}"


# ---------------------------------------------------------------------------------------
# Where one toyframe step's time goes (--profile)
# ---------------------------------------------------------------------------------------

def component_calls(model, x, targets):
    """One toyframe step as its separate calls, in the order make_toyframe_step's step()
    makes them (Model.forward, the loss, Model.backward, Model.update_parameters), as
    (label, function) pairs. Running the functions in order is one step of toyframe's own code."""
    loss_function = CrossEntropy()
    components = model.components
    state = {}

    def forward(index):
        def call():
            state["h"] = components[index](state["h"] if index else x)
        return call

    def backward(index):
        def call():
            if components[index].get_type() == "activation":
                state["g"] = components[index].grad(state["g"])
            elif index == 0:  # as Model.backward: the first layer's dL/dx is not needed
                state["grads"][index], state["g"] = components[index].grad(state["g"], input_grad=False)
            else:
                state["grads"][index], state["g"] = components[index].grad(state["g"])
        return call

    def loss():
        state["loss"] = loss_function(state["h"], targets)

    def penalty():
        state["loss"] += model.penalty()

    def loss_grad():
        state["g"], state["grads"] = loss_function.grad(), {}

    def update():
        model.update_parameters(state["grads"], LEARNING_RATE)

    return ([(f"forward  {describe(c)}", forward(i)) for i, c in enumerate(components)]
            + [("loss     CrossEntropy", loss), ("loss     Model.penalty", penalty),
               ("backward CrossEntropy.grad", loss_grad)]
            + [(f"backward {describe(components[i])}", backward(i)) for i in reversed(range(len(components)))]
            + [("update   Model.update_parameters", update)])


def describe(component):
    """A short name: 'ReLU', 'Linear 1024x1024', 'Dropout(Linear 1024x1024)'."""
    *wrappers, inner = wrapped_chain(component)
    name = type(inner).__name__
    if hasattr(inner, "weights"):
        name += " {}x{}".format(*inner.weights.shape)
    for wrapper in reversed(wrappers):
        name = f"{type(wrapper).__name__}({name})"
    return name


def numpy_operations(model, x, targets):
    """The NumPy operations inside one toyframe step, as written in toyframe/, done on arrays of
    the step's shapes and dtype: (label, times per step, function) triples. They re-do the work
    outside toyframe, to price each operation; none of them changes the model."""
    W1, W3 = model.components[0].weights, model.components[4].weights
    dtype, bias = W1.dtype, model.components[0].bias
    rng = np.random.default_rng(0)
    H, G = (rng.standard_normal((BATCH, HIDDEN)).astype(dtype) for _ in range(2))
    logits = rng.standard_normal((BATCH, CLASSES)).astype(dtype)
    uniform = np.random.rand(BATCH, HIDDEN)
    mask = (uniform > DROP_P).astype(dtype) / (1.0 - DROP_P)
    W, dW, dW3 = W1.copy(), np.ones_like(W1), np.ones_like(W3)
    loss_function = CrossEntropy()
    products = [(f"matmul   {label}", 1, product) for label, product in floor_products(dtype, rng)]
    return products + [
        ("linear   out + b  (layers 1, 2)", 2, lambda: H + bias),
        ("linear   db = g.sum(axis=0)  (layers 1, 2)", 2, lambda: G.sum(axis=0, keepdims=True)),
        ("relu     np.maximum(x, 0)", 2, lambda: np.maximum(H, 0)),
        ("relu     x > 0 (kept), g * kept", 2, lambda: G * (H > 0)),
        ("dropout  np.random.rand(256, 1024)  (float64)", 1, lambda: np.random.rand(BATCH, HIDDEN)),
        ("dropout  (u > p).astype(dtype) / (1 - p)", 1, lambda: (uniform > DROP_P).astype(dtype) / (1.0 - DROP_P)),
        ("dropout  out * mask, g * mask", 2, lambda: H * mask),
        ("l2       c * sum(W**2)  (penalty)", 1, lambda: L2_COEFFICIENT * np.sum(np.square(W3))),
        ("l2       dW + 2c * W", 1, lambda: dW3 + 2.0 * L2_COEFFICIENT * W3),
        ("loss     CrossEntropy forward + grad", 1, lambda: (loss_function(logits, targets), loss_function.grad())),
        ("sgd      W -= lr * dW  (1024 x 1024)", 2, lambda: np.subtract(W, LEARNING_RATE * dW, out=W)),
    ]


def print_profile(dtype, args):
    rng = np.random.default_rng(args.seed)
    x, targets = make_batch(dtype, args.targets, rng)
    model = build_toyframe_model(dtype, args.seed)
    step = make_toyframe_step(model, x, targets)
    step_ms, others = others_share(lambda: 1e3 * statistics.median(time_calls(step, args.warmup, args.repeats)))
    faults = page_faults_per_call(step, args.repeats)
    print(f"\nWhere one toyframe step's time goes, {np.dtype(dtype).name}: medians of {args.repeats} runs; "
          f"whole step, timed alone, {step_ms:.2f} ms = 100 %, {format_share(others)}")
    if faults is not None:
        print(f"  page faults: {faults:.0f} per step")
    parts, others = others_share(lambda: time_in_sequence(component_calls(model, x, targets), args))
    print_parts(f"per call, toyframe's own code run in step order, {format_share(others)}",
                [(label, 1, ms) for label, ms in parts], step_ms)
    parts, others = others_share(lambda: [
        (label, count, 1e3 * statistics.median(time_calls(operation, args.warmup, args.repeats)))
        for label, count, operation in numpy_operations(model, x, targets)])
    print_parts(f"per NumPy operation, each priced alone on the step's shapes, {format_share(others)}", parts, step_ms)


def format_share(others):
    return f"others {format_percent(others)}"


def format_percent(share):
    return "?" if share is None else f"{100 * share:.0f}%"


def page_faults_per_call(function, calls):
    """Page faults per call of function() (see page_faults), or None."""
    before = page_faults()
    for _ in range(calls):
        function()
    return None if before is None else (page_faults() - before) / calls


def time_in_sequence(calls, args):
    """[(label, median ms)] of each call, the calls run in order, one step per repetition."""
    samples = {label: [] for label, _ in calls}
    for repetition in range(args.warmup + args.repeats):
        for label, call in calls:
            start = time.perf_counter()
            call()
            if repetition >= args.warmup:
                samples[label].append(time.perf_counter() - start)
    return [(label, 1e3 * statistics.median(seconds)) for label, seconds in samples.items()]


def print_parts(title, parts, step_ms):
    """parts: (label, times per step, ms each)."""
    print(f"  {title}:")
    print(f"    {'':<50} {'ms each':>8} {'x':>2} {'ms/step':>8} {'share':>6}")
    for label, count, ms in parts:
        print(f"    {label:<50} {ms:8.3f} {count:>2} {count * ms:8.3f} {100 * count * ms / step_ms:5.1f}%")
    total = sum(count * ms for _, count, ms in parts)
    print(f"    {'sum':<50} {'':>8} {'':>2} {total:8.3f} {100 * total / step_ms:5.1f}%")


# ---------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0],
                                     epilog="See the module docstring for what is timed and how.")
    parser.add_argument("--dtype", choices=("float64", "float32", "both"), default="both")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed steps per implementation and dtype (default 40, or 6 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a few steps only, to check that the script runs")
    parser.add_argument("--profile", action="store_true", help="also print where one toyframe step's time goes")
    parser.add_argument("--targets", choices=("index", "onehot"), default="index",
                        help="class-index targets (int64), or one-hot rows in the step's dtype")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed steps before each timed block (default 3, or 1 with --quick)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds in which the implementations take turns (default 4, or 2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    defaults = {"repeats": (40, 6), "warmup": (3, 1), "rounds": (4, 2)}
    for name, (normal, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else normal)
    if args.repeats < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--repeats and --rounds must be >= 1, --warmup >= 0")
    args.rounds = min(args.rounds, args.repeats)
    return args


def main(argv=None):
    args = parse_args(argv)
    dtypes = list(DTYPES.values()) if args.dtype == "both" else [DTYPES[args.dtype]]
    print_environment(args)
    print_table([benchmark(dtype, args) for dtype in dtypes])
    if args.profile:
        for dtype in dtypes:
            print_profile(dtype, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
