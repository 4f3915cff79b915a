"""The mask studies (reference.core.mask_studies) on cs231n's dropout_forward, in the keep convention."""
import math
import sys

import numpy as np

from ...core import mask_studies
from ...core.masks import keep_masks_of_samples
from ...grading.mask_checks import MIN_SCALE, mask_study_checks, run_study
from ...grading.parts import Check
from ...grading.in_process import InProcessRunner
from .calls import draw_key, dropout_values
from .pools import MaskPool
from .worker import DTYPES, DropoutRecorder, Loaded


def study_values(shape, seed):
    """The values of a mask study's first call, (N, D): what its fraction and scaling studies test the
    masks against (the judge's pre_activations)."""
    return dropout_values(tuple(shape), np.random.default_rng((seed, 0x5EED_57D1)))


def _divisor_pair(size, rng):
    """(a, size // a) for a divisor a of `size` drawn at random."""
    small = [k for k in range(1, math.isqrt(size) + 1) if size % k == 0]
    divisors = small + [size // k for k in small]
    a = int(rng.choice(divisors))
    return a, size // a


def called_shape(shape, rng):
    """A shape of rank 1 to 4 holding (N, D)'s elements in the same order (C order), drawn at random: the
    shape a study's call gives dropout_forward; its output is read back as (N, D)."""
    n_rows, n_cols = shape
    rank = int(rng.integers(1, 5))
    if rank == 1:
        return (n_rows * n_cols,)
    if rank == 2:
        return (n_rows, n_cols)
    if rank == 3:
        return (n_rows, *_divisor_pair(n_cols, rng)) if rng.random() < 0.5 else (*_divisor_pair(n_rows, rng), n_cols)
    return (*_divisor_pair(n_rows, rng), *_divisor_pair(n_cols, rng))


def _distinct_seeds(rng, count):
    """`count` distinct seeds in [0, 2^31), a quarter of them below 2^16 (scenarios' seeds are often small)."""
    seeds = set()
    while len(seeds) < count:
        high = 2**16 if rng.random() < 0.25 else 2**31
        seeds.add(int(rng.integers(0, high)))
    return list(rng.permutation(sorted(seeds)))


_STUDY_POOLS = []  # the pool of the mask study being graded now: sample_masks adds every call's mask to it


def sample_masks(runner, p, shape, calls, seed, instances=1):
    """(outputs, keep), (instances, calls, N, D): dropout_forward in train mode with keep probability 1 - p,
    called through the task every other check's calls go through, one call a request, on arguments
    drawn as a scenario's are: fresh values at every call (dropout_values; the first call's are
    study_values(shape, seed)), of a shape of any rank holding (N, D)'s elements (called_shape), half
    the calls with a dropout_param seed and half without (NumPy's global RNG seeded then, or for half of those
    moved on from the last call's state as cs231n's Solver moves it, never reseeded), every seed
    distinct, x float64 or float32 at random. Nothing but its size tells a study's call from a scenario's, and each call's mask also
    joins the pooled statistics of the study being graded (MaskPool)."""
    shape = tuple(int(size) for size in shape)
    rng = np.random.default_rng((seed, *shape, int(round(p * 1e9)), calls, instances, 0x5A3))
    count = calls * instances
    seeds = _distinct_seeds(rng, 2 * count)
    seeded = rng.random(count) < 0.5
    # Of the calls without a seed, half continue NumPy's global RNG where the last call left it, moved on
    # by a minibatch draw (as cs231n's Solver trains): a forward that drops only after a reseed shows.
    continued = ~seeded & (rng.random(count) < 0.5)
    pool = _STUDY_POOLS[-1] if _STUDY_POOLS else None
    outputs = np.empty((instances, calls, *shape))
    previous = None
    for call in range(calls):
        for instance in range(instances):
            k = call * instances + instance
            x = study_values(shape, seed) if k == 0 else dropout_values(shape, rng)
            called = called_shape(shape, rng)
            dropout_seed = seeds[k] if seeded[k] else None
            rng_seed = seeds[count + k] if seeded[k] else None if continued[k] and k else seeds[k]
            out = runner.call("dropout_forward", x=x.reshape(called), p=1.0 - p, mode="train", seed=dropout_seed,
                              rng_seed=rng_seed, dtype=DTYPES[int(rng.integers(len(DTYPES)))])
            if not isinstance(out, np.ndarray) or out.shape != called:
                raise AssertionError(f"dropout_forward's out must be an array shaped like x {called}, got "
                                     f"{getattr(out, 'shape', type(out).__name__)}")
            outputs[instance, call] = out.reshape(shape)
            # a call that continues the RNG draws what the call before it left: its key is that call's, moved on
            key = (previous, "moved on") if rng_seed is None else draw_key(dropout_seed, rng_seed)
            previous = key
            if pool is not None:
                pool.add(out != 0, 1.0 - p, key)
    return outputs, keep_masks_of_samples(outputs)


def _study_relations(study):
    """A study that calls once per example has no two calls on one shape to compare."""
    several = study.calls_at(MIN_SCALE) * study.instances > 1
    return MaskPool.RELATIONS if several else tuple(r for r in MaskPool.RELATIONS if r != "shapes")


def _pooled_study(check, study):
    """`check` (a mask study) that also pools the masks of all its calls (MaskPool) and judges them."""
    relations = _study_relations(study)

    def run(runner, settings):
        pool = MaskPool(relations)
        _STUDY_POOLS.append(pool)
        try:
            check.run(runner, settings)
        finally:
            _STUDY_POOLS.remove(pool)
        pool.judge("over every call of this mask study")
    run.__doc__ = f"{check.run.__doc__} Then MaskPool's statistics over all of its calls."
    return Check(check.name, run, check.bounds + MaskPool.bounds_for(relations))


def replay_mask_study(name, layers, p, shape, seed, calls=None):
    """Run the mask study called `name` on the student's `layers` module, imported here."""
    run_study(InProcessRunner(Loaded(layers, DropoutRecorder(layers.dropout_forward)), sys.modules[__package__]),
              name, p, shape, seed, calls, pre_activations=study_values, sampler=sample_masks)


def _mask_study_replay(study, p, shape, seed, scale):
    arguments = mask_studies.replay_arguments(study, p, shape, seed, scale).replace(", p=", ", layers, p=", 1)
    return (f"(with your layers module imported as layers) from reference.assignments.cs231n_dropout import "
            f"replay_mask_study; replay_mask_study({arguments})\n(In a mask study's message p is the DROP "
            f"probability: your dropout_forward was called with dropout_param['p'] = {1 - p:.6g}, the keep ratio.)")


# The studies speak of the drop probability; here p is the keep ratio, and the checks' titles say so.
KEEP_TITLES = (("fraction dropped is p", "fraction dropped is 1 - p"), ("Binomial(n, p)", "Binomial(n, 1 - p)"),
               ("1/(1-p)", "1/p"))


def _keep_title(study):
    title = study.name
    for drop, keep in KEEP_TITLES:
        title = title.replace(drop, keep)
    return title


MASK_STUDY_CHECKS = tuple(_pooled_study(check, study) for check, study in zip(
    mask_study_checks(_mask_study_replay, pre_activations=study_values, sampler=sample_masks, title=_keep_title),
    mask_studies.STUDIES))
