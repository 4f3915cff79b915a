"""The forward check's pooled statistics over every pass (Evidence): the fraction dropped in every group
(unit, example, value range, keep_prob, shape, pass), the number dropped per pass, and agreements."""
import math

import numpy as np

from ...core import statistics
from .agreements import _Offsets, _Pairs, _Repeats, _Uniform, _agreements_bound, _binomial_pmf
from .observed import _Tally
from .scenarios import WEIGHT_SCALES


def _bin(value, edges):
    return int(np.searchsorted(edges, value, side="right"))


# Groups of hidden activations whose fraction dropped is tested on its own: by unit, by example, by the
# value dropped, by keep_prob, by the pass's sizes and weight scale, by pass: (name, describe(index), size).
GROUPS = (
    ("unit", lambda i: f"hidden unit {i + 1} (row {i} of A1)", 10),
    ("example", lambda i: "examples " + ("1", "2", "3-4", "5-8", "9-16", "17-32")[i] + " (columns of A1)", 6),
    ("value", lambda i: f"activations {('< 0', '>= 0')[i // 3]} of size " + ("below 0.1", "0.1 to 0.5",
                                                                              "0.5 or more")[i % 3], 6),
    ("keep", lambda i: "passes with keep_prob in " + ("[0.05, 0.23)", "[0.23, 0.41)", "[0.41, 0.59)",
                                                      "[0.59, 0.77)", "[0.77, 0.95]")[i], 5),
    ("units", lambda i: f"passes with {i + 1} hidden unit{'s' if i else ''}", 10),
    ("examples", lambda i: "passes with " + ("1", "2-3", "4-7", "8-15", "16-31", "32")[i] + " examples", 6),
    ("inputs", lambda i: f"passes with {i + 1} input{'s' if i else ''} (rows of X)", 4),
    ("scale", lambda i: f"passes with weights of scale {WEIGHT_SCALES[i]:g}", len(WEIGHT_SCALES)),
    ("pass", lambda i: f"pass {i + 1} on the same X", 3),
)


_GROUP_START = dict(zip((name for name, _, _ in GROUPS), np.cumsum([0] + [size for _, _, size in GROUPS])))


N_GROUPS = sum(size for _, _, size in GROUPS)


def _describe_group(index):
    for name, describe, size in GROUPS:
        if index < _GROUP_START[name] + size:
            return describe(index - _GROUP_START[name])
    raise IndexError(index)


class Evidence:
    """The masks of every pass of a check with 0 < keep_prob < 1, where observed (ForwardPass.observed),
    pooled whatever their shapes, and judged by BOUNDS statistical bounds (judge):
    1. the fraction dropped is 1 - keep_prob (MaskTally);
    2. so it is within every group of GROUPS: each unit, example, value range, keep_prob range, size,
       weight scale and pass (one bound, FALSE_ALARM split among the groups);
    3. the number dropped by a fully observed pass follows Binomial(n_h m, 1 - keep_prob): the
       randomized probability-integral transforms of the passes' counts are uniform (Dvoretzky-Kiefer-
       Wolfowitz-Massart's bound on their empirical distribution);
    4. within one mask, the draws are independent: as often as independent draws, a unit keeps or
       drops all its examples at once, an example all its units (a mask per hidden unit shared by the
       batch, seed 001's), two examples of one unit or two units of one example agree (random disjoint
       pairs), and so do any two at one offset, flattened by rows or by columns (any pattern);
    5. the masks of passes 1 and 2, 2 and 3, 1 and 3 on the same X agree at every offset as
       independent draws do (the same mask again, or a shifted copy);
    6. so do the masks of two passes of the same shape, paired at random (a repeated stream);
    7. two passes in a row (1 and 2, 3 and 4, ... of one scenario, fully observed) drop the same number
       as often as independent draws do (statistics.EqualCounts: a mask permuted from the last);
    8. no two passes of one scenario, however far apart, have the same mask (_Repeats: a ring of masks).
    Each bound fails closed: evidence too small for it fails it, saying what could not be observed."""
    BOUNDS = 8

    def __init__(self, seed=0x7E57):
        self.tally = _Tally()
        self.rng = np.random.default_rng(seed)  # the statistics' own randomness: pairings, transforms
        self.groups = np.zeros((3, N_GROUPS))  # activations, dropped - p summed, p summed
        self.transforms = []
        self.rows, self.columns = _Pairs("two examples of one unit"), _Pairs("two units of one example")
        self.uniform_units = _Uniform("the examples of one unit", "units have one draw for all their examples "
                                                                   "(all kept or all dropped)")
        self.uniform_examples = _Uniform("the units of one example", "examples have one draw for all their units "
                                                                      "(all kept or all dropped)")
        self.within = [_Offsets("one mask flattened by rows", 2.0), _Offsets("one mask flattened by columns", 2.0)]
        self.between = {(i, j): [_Offsets(f"passes {i + 1} and {j + 1}, flattened by rows"),
                                 _Offsets(f"passes {i + 1} and {j + 1}, flattened by columns")]
                        for i, j in ((0, 1), (1, 2), (0, 2))}
        self.masks = []  # (shape, keep, observed, p) of every pass, for pairs of the same shape
        self.passes = 0
        self.equal_counts = statistics.EqualCounts()
        self.repeats = _Repeats()

    def add_scenario(self, scenario, passes):
        """The ForwardPasses of `scenario`, in order (the same X, the parameters updated in between)."""
        observed = [self._add_pass(scenario, index, forward) for index, forward in enumerate(passes)]
        p = 1.0 - scenario.keep_prob
        for (i, j), tallies in self.between.items():
            if j < len(passes) and observed[i] is not None and observed[j] is not None:
                for tally, order in zip(tallies, "CF"):
                    tally.add(passes[i].keep.ravel(order), observed[i].ravel(order), p,
                              passes[j].keep.ravel(order), observed[j].ravel(order), p)
        masks = [None if seen is None else (forward.keep, seen) for forward, seen in zip(passes, observed)]
        for first, second in zip(masks[0::2], masks[1::2]):
            if first is not None and second is not None and first[1].all() and second[1].all():
                self.equal_counts.add_pair(first[0], second[0], p)
        self.repeats.add(scenario, masks)

    def _add_pass(self, scenario, index, forward):
        observed = self.tally.add_pass(forward)
        if observed is None:
            return None
        self.passes += 1
        p, keep, n_h, m = 1.0 - forward.keep_prob, forward.keep, *forward.A1.shape
        if keep is None:
            return None
        self.masks.append(((n_h, m), keep, observed, p))
        # 2. the groups: per activation (its unit, example, value) and per pass
        units, examples = np.indices((n_h, m))
        value = forward.A1
        magnitude = np.searchsorted((0.1, 0.5), np.abs(value), side="right")
        per_pass = [_GROUP_START["keep"] + _bin(forward.keep_prob, (0.23, 0.41, 0.59, 0.77)),
                    _GROUP_START["units"] + n_h - 1, _GROUP_START["examples"] + _bin(m, (2, 4, 8, 16, 32)),
                    _GROUP_START["inputs"] + scenario.n_x - 1,
                    _GROUP_START["scale"] + WEIGHT_SCALES.index(scenario.weight_scale),
                    _GROUP_START["pass"] + min(index, 2)]
        per_activation = [_GROUP_START["unit"] + units, _GROUP_START["example"] + np.searchsorted(
            (1, 2, 4, 8, 16), examples, side="right"), _GROUP_START["value"] + 3 * (value >= 0) + magnitude]
        dropped = (~keep[observed]).astype(np.float64)
        count = float(observed.sum())
        chosen = np.concatenate([group[observed] for group in per_activation])
        counted = np.bincount(chosen, minlength=N_GROUPS)
        self.groups[0] += counted
        self.groups[1] += np.bincount(chosen, weights=np.tile(dropped - p, len(per_activation)), minlength=N_GROUPS)
        self.groups[2] += counted * p
        for group in per_pass:
            self.groups[:, group] += (count, float(dropped.sum()) - count * p, count * p)
        # 3. the count of a fully observed pass, through its randomized probability-integral transform
        if observed.all():
            pmf = _binomial_pmf(keep.size, p)
            count_dropped = int(keep.size - keep.sum())
            self.transforms.append(float(pmf[:count_dropped].sum() + self.rng.random() * pmf[count_dropped]))
        # 4. one mask against itself: random disjoint pairs in each row and in each column, and every offset
        for tally, (rows_keep, rows_seen) in ((self.rows, (keep, observed)), (self.columns, (keep.T, observed.T))):
            order = np.argsort(np.where(rows_seen, self.rng.random(rows_seen.shape), 2.0), axis=1)
            shuffled, seen = np.take_along_axis(rows_keep, order, 1), np.take_along_axis(rows_seen, order, 1)
            width = shuffled.shape[1] // 2 * 2
            both = seen[:, 0:width:2] & seen[:, 1:width:2]
            tally.add(shuffled[:, 0:width:2][both], shuffled[:, 1:width:2][both], p, p)
        self.uniform_units.add(keep, observed, p)
        self.uniform_examples.add(keep.T, observed.T, p)
        for tally, order in zip(self.within, "CF"):
            flat, seen = keep.ravel(order), observed.ravel(order)
            tally.add(flat, seen, p, flat, seen, p)
        return observed

    def judge(self, what="over this check's forward passes", fail_closed=True):
        """Every bound (BOUNDS of them): raises AssertionError naming the one farthest beyond its radius
        (the most telling: a mask per unit also breaks the agreements between passes, a reseeded one
        those within a mask, but far less), and the others that failed. fail_closed=False (a replay
        of a few passes) leaves out the bounds the evidence is too small for."""
        shortfall = self.tally.shortfall()
        if shortfall and fail_closed:
            statistics.bounds_evaluated += 1
            raise AssertionError(f"{what}: {shortfall}")
        fresh = "Draw a fresh mask at every call (a generator or a seed made inside the forward pass repeats its mask)."
        between = [cell for tallies in self.between.values() for tally, zero in zip(tallies, (1 / 6, 0.0))
                   for cell in tally.cells(1 / 12, zero)]
        same_shape = [cell for tally, zero in zip(self._same_shapes(), (1 / 2, 0.0))
                      for cell in tally.cells(1 / 4, zero)]
        within = [*self.uniform_units.cells(1 / 4), *self.uniform_examples.cells(1 / 4), *self.rows.cells(1 / 8),
                  *self.columns.cells(1 / 8), *(cell for tally in self.within for cell in tally.cells(1 / 8))]
        results = (
            ("the masks of two passes on the same X", _agreements_bound(
                between, f"{what}, the masks of two forward passes on the same X", fresh, fail_closed)),
            ("the masks of two passes of one shape", _agreements_bound(
                same_shape, f"{what}, the masks of two forward passes of the same shape", fresh, fail_closed)),
            ("two activations of one mask", _agreements_bound(within, f"{what}, two activations of one mask", (
                "Draw each activation's keep or drop on its own, as np.random.rand(*A1.shape) < keep_prob does (a "
                "mask per hidden unit shared by the whole batch, shape (n_h, 1), shows here)."), fail_closed)),
            ("the fraction dropped", None if shortfall else self._judge_fraction(what)),
            ("the fraction dropped in a group", self._judge_groups(what, fail_closed)),
            ("the number dropped per pass", self._judge_counts(what, fail_closed)),
            ("the numbers dropped at two passes in a row", self._judge_equal_counts(what, fail_closed)),
            ("a mask that comes back", self.repeats.judge(f"{what}, the masks of one training run", fail_closed)))
        failures = sorted(((*result, label) for label, result in results if result), key=lambda failure: -failure[0])
        if failures:
            others = ", ".join(label for _, _, label in failures[1:])
            raise AssertionError(failures[0][1] + (f"\nAlso beyond their bounds: {others}." if others else ""))

    def _judge_fraction(self, what):
        what = f"{what}, the fraction of hidden activations dropped (each must be kept with probability keep_prob)"
        try:
            self.tally.assert_fraction_dropped(what)
        except AssertionError as error:
            deviation = (self.tally.dropped - self.tally.expected_dropped) / self.tally.total
            return abs(deviation) / statistics.hoeffding_radius(self.tally.total), str(error)
        return None

    def _judge_groups(self, what, fail_closed):
        statistics.bounds_evaluated += 1
        counts, deviations, probabilities = self.groups
        log_term = math.log(2.0 * N_GROUPS / statistics.FALSE_ALARM)
        worst = None
        for group in range(N_GROUPS):
            count = counts[group]
            radius = math.sqrt(log_term / (2.0 * count)) if count else math.inf
            mean_p = probabilities[group] / count if count else 0.5
            if not radius < min(mean_p, 1.0 - mean_p):
                if fail_closed:
                    raise AssertionError(
                        f"{what}, among {_describe_group(group)}: only {int(count)} hidden activations could be "
                        f"observed, too few to tell a forward that never drops there from a correct one "
                        f"({self.tally.unseen()})")
                continue
            excess = abs(deviations[group] / count) / radius
            if excess > 1.0 and (worst is None or excess > worst[0]):
                worst = (excess, group, count, mean_p, radius)
        if worst:
            _, group, count, mean_p, radius = worst
            rate = mean_p + deviations[group] / count
            return abs(rate - mean_p) / radius, (
                f"{what}, among {_describe_group(group)}: {rate:.4f} of {int(count)} hidden activations were dropped "
                f"where 1 - keep_prob asks for {mean_p:.4f} +/- {radius:.4f} (a correct forward lands outside this in "
                f"any of the {N_GROUPS} groups tested with probability < {statistics.FALSE_ALARM:g}). Keep each "
                f"activation with probability keep_prob, whatever its unit, example, value or the pass's sizes.")

    def _judge_counts(self, what, fail_closed):
        statistics.bounds_evaluated += 1
        n = len(self.transforms)
        radius = statistics.hoeffding_radius(n) if n else math.inf  # DKW-Massart: 2 exp(-2 n radius^2)
        if not radius < 0.5:
            if fail_closed:
                raise AssertionError(
                    f"{what}: only {n} forward passes showed their whole mask, too few to tell whether the number "
                    f"dropped per pass follows Binomial(n_h m, 1 - keep_prob) ({self.tally.unseen()})")
            return
        transforms = np.sort(self.transforms)
        ranks = np.arange(1, n + 1) / n
        distance = float(max(np.max(ranks - transforms), np.max(transforms - (ranks - 1.0 / n))))
        if distance > radius:
            return distance / radius, (
                f"{what}: the number of hidden activations a pass drops does not follow Binomial(n_h m, 1 - "
                f"keep_prob): over {n} fully observed passes the distribution of its probability-integral "
                f"transform is {distance:.4f} from uniform, beyond {radius:.4f} (a correct forward lands outside this "
                f"with probability < {statistics.FALSE_ALARM:g}). Draw each activation's keep on its own: a fixed "
                f"number dropped per pass, or one draw shared by several activations, shows here.")

    def _judge_equal_counts(self, what, fail_closed):
        counts = self.equal_counts
        radius = statistics.hoeffding_radius(counts.count) if counts.count else math.inf
        if not fail_closed and not radius < 1.0 - counts.expected_yes / max(counts.count, 1):
            statistics.bounds_evaluated += 1
            return None
        try:
            counts.assert_independent(f"{what}, passes 1 and 2 (3 and 4, ...) on the same X, wholly observed")
        except AssertionError as error:
            deviation = (counts.yes - counts.expected_yes) / counts.count if counts.count else math.inf
            return abs(deviation) / radius if counts.count else math.inf, (
                f"{error}. Draw each activation's keep on its own at every pass: a mask permuted from the last one, "
                f"or a number dropped kept from pass to pass, shows here.")
        return None

    def _same_shapes(self):
        """_Offsets of the masks of passes of one shape, paired at random (disjoint pairs)."""
        tallies = [_Offsets("flattened by rows"), _Offsets("flattened by columns")]
        by_shape = {}
        for shape, keep, observed, p in self.masks:
            by_shape.setdefault(shape, []).append((keep, observed, p))
        for shape in sorted(by_shape):
            masks = by_shape[shape]
            order = self.rng.permutation(len(masks))
            for first, second in zip(order[0::2], order[1::2]):
                (a, seen_a, p_a), (b, seen_b, p_b) = masks[first], masks[second]
                for tally, flatten in zip(tallies, "CF"):
                    tally.add(a.ravel(flatten), seen_a.ravel(flatten), p_a,
                              b.ravel(flatten), seen_b.ravel(flatten), p_b)
        return tallies
