"""Time one LeNet training step (batch 64, float32) in toyframe and in PyTorch, in one run.

The step is seed 000's: forward through Conv2d(3,6,5) - ReLU - MaxPool2d(2,2) - Conv2d(6,16,5) - ReLU -
MaxPool2d(2,2) - flatten - Linear(400,120) - Dropout(0.5) - ReLU - Linear(120,84) - Dropout(0.5) - ReLU -
Linear(84,10), cross-entropy, backward, SGD(lr=0.001, momentum=0.9). toyframe: toyframe.models.lenet with
toyframe.optim.SGD; torch: the same net as nn.Modules with torch.optim.SGD; both start from the same weights.

The two take turns in rounds (each round: warm-up steps, then timed steps, for each), so both see the same
machine; the median step time of each is printed with the ratio toyframe / torch (goal <= 2). With
--profile, one toyframe step is then broken down per component call, forward and backward, so where the
time goes can be seen.

Threads: by default NumPy's BLAS and torch each get one thread (--threads N to change): on a small shared
machine extra threads mostly wait for each other, and the same count keeps the comparison fair.

    python benchmarks/lenet_step.py [--repeats 30] [--rounds 3] [--threads 1] [--profile]
"""
import argparse
import os
import sys
from pathlib import Path


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per implementation (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="turns each implementation takes (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps before each turn (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    parser.add_argument("--profile", action="store_true", help="also break one toyframe step down per component")
    return parser.parse_args(argv)


ARGS = parse(sys.argv[1:])
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # before NumPy loads its BLAS
    os.environ.setdefault(variable, str(ARGS.threads))

import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this repository's toyframe, from anywhere

from toyframe import CrossEntropy  # noqa: E402
from toyframe.layers import innermost  # noqa: E402
from toyframe.models import lenet  # noqa: E402
from toyframe.optim import SGD  # noqa: E402

BATCH, LR, MOMENTUM = 64, 0.001, 0.9
LAYERS = {0: "conv1", 3: "conv2", 7: "fc1", 9: "fc2", 11: "fc3"}  # toyframe component -> torch module


class TorchLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
        self.drop1, self.drop2 = nn.Dropout(0.5), nn.Dropout(0.5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2).view(-1, 400)
        x = F.relu(self.drop1(self.fc1(x)))
        return self.fc3(F.relu(self.drop2(self.fc2(x))))


def make_steps(seed=0):
    """Two functions, each one training step on the same batch from the same initial weights."""
    torch.manual_seed(seed)
    net = TorchLeNet()
    model = lenet(rng=np.random.default_rng(seed), dtype=np.float32)
    for index, name in LAYERS.items():
        layer, module = innermost(model.components[index]), getattr(net, name)
        weight = module.weight.detach().numpy()
        layer.weights[...] = weight.T if name.startswith("fc") else weight
        layer.bias[...] = module.bias.detach().numpy().reshape(layer.bias.shape)
    rng = np.random.default_rng(seed)
    x, labels = rng.uniform(-1, 1, (BATCH, 3, 32, 32)).astype(np.float32), rng.integers(0, 10, BATCH)

    loss_of, optimizer = CrossEntropy(), SGD(model, lr=LR, momentum=MOMENTUM)

    def toyframe_step():
        loss = loss_of(model(x), labels)
        optimizer.step(model.backward(loss_of.grad()))
        return loss

    torch_x, torch_labels = torch.from_numpy(x), torch.from_numpy(labels)
    torch_optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def torch_step():
        torch_optimizer.zero_grad()
        loss = F.cross_entropy(net(torch_x), torch_labels)
        loss.backward()
        torch_optimizer.step()
        return loss

    return {"toyframe": toyframe_step, "torch": torch_step}, model, x, labels


def time_steps(steps, args):
    times = {name: [] for name in steps}
    per_turn = max(1, args.repeats // args.rounds)
    gc.disable()
    try:
        for _ in range(args.rounds):
            for name, step in steps.items():
                for _ in range(args.warmup):
                    step()
                for _ in range(per_turn):
                    start = time.perf_counter()
                    step()
                    times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times


def profile(model, x, labels, repeats=10):
    """Median milliseconds per component call of a toyframe step, forward then backward, in step order."""
    loss_of = CrossEntropy()
    forward, backward = [[] for _ in model.components], [[] for _ in model.components]
    for _ in range(repeats):
        value = x
        for index, component in enumerate(model.components):
            start = time.perf_counter()
            value = component(value)
            forward[index].append(time.perf_counter() - start)
        loss_of(value, labels)
        g = loss_of.grad()
        for index in reversed(range(len(model.components))):
            component = model.components[index]
            start = time.perf_counter()
            if component.get_type() == "activation":
                g = component.grad(g)
            else:  # the first layer skips dL/dx, as Model.backward does
                g = component.grad(g, input_grad=index > 0)[1]
            backward[index].append(time.perf_counter() - start)
    rows = [(f"{'forward':8} {component!r}", statistics.median(forward[index]))
            for index, component in enumerate(model.components)]
    rows += [(f"{'backward':8} {model.components[index]!r}", statistics.median(backward[index]))
             for index in reversed(range(len(model.components)))]
    total = sum(seconds for _, seconds in rows)
    print(f"\nwhere one toyframe step's time goes (median of {repeats} per call; the SGD update not shown):")
    for name, seconds in sorted(rows, key=lambda row: -row[1]):
        print(f"  {1000 * seconds:7.2f} ms {100 * seconds / total:5.1f}%  {name}")


def main(args):
    torch.set_num_threads(args.threads)
    print(f"numpy {np.__version__}, torch {torch.__version__}, {args.threads} thread(s) each, "
          f"os.cpu_count() = {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    print(f"LeNet training step, batch {BATCH}, float32, SGD(lr={LR}, momentum={MOMENTUM}); "
          f"median of {args.repeats} steps each, in {args.rounds} alternating rounds")
    steps, model, x, labels = make_steps()
    times = time_steps(steps, args)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, seconds in medians.items():
        quartiles = statistics.quantiles(times[name], n=4) if len(times[name]) > 1 else [seconds] * 3
        print(f"  {name:9} {1000 * seconds:8.2f} ms  (p25-p75 {1000 * quartiles[0]:.2f}-{1000 * quartiles[2]:.2f})")
    ratio = medians["toyframe"] / medians["torch"]
    print(f"  toyframe / torch = {ratio:.2f} (goal <= 2: {'met' if ratio <= 2 else 'not met'})")
    if args.profile:
        profile(model, x, labels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(ARGS))
