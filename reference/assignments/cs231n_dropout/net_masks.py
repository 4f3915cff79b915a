"""The net with dropout: its masks from the validated records of its dropout_forward calls or read from
its gradients, the loss and gradients against torch given them, and the masks held to what dropout is."""
import numpy as np

from ...core import tolerances
from ...core.comparator import assert_close
from ...core.properties import for_all
from ...grading.parts import fact
from .calls import _replay
from .dropout_checks import ZEROES_DROPPED
from .net import DESIGNED_DROPOUT_NETS, NetScenario, _compare_loss, _net_call, dropout_net_scenarios, torch_net
from .pools import MaskPool
from .reading import _read_factors, _recorded_factors
from .worker import solver_step
from .verdicts import _backward_defective, _forward_defects, _forward_defects_as_called, _once


class NetEvidence:
    """What a net check observed: calls whose masks came from validated records, calls whose masks were
    read from gradients, calls that showed neither; the masks of each kind pooled (MaskPool, with
    `seen`: pools["records"], pools["gradients"]), and the first kept factor of a recorded mask that
    is not 1 / p."""

    def __init__(self):
        self.recorded = self.read = self.unreadable = 0
        self.bare = {"read": 0, "unread": 0}  # calls without the recorder, of a net that calls dropout_forward
        self.reasons = []
        self.pools = {"records": MaskPool(), "gradients": MaskPool()}
        self.as_called = []  # (x, keep, dtype) of each mask the records pool took, in its order
        self.scale = None
        # Failures that the dx of the net's own dropout_backward calls explain, held until settle().
        self.pending = []
        # Of the held calls without the recorder whose gradients were read: the units seen, and those dropped.
        self.bare_seen = self.bare_dropped = 0

    def settle(self, backward_defective):
        """Raises the first failure held back for dropout_backward's verdict, unless backward_defective():
        then dropout_backward is wrong on its own ('Dropout backward' charges it) and the net was right
        given what it returned."""
        if self.pending and not backward_defective():
            raise AssertionError(self.pending[0])

    def require(self, what):
        """Fails closed: no call observed, or more calls unobserved than observed."""
        observed = self.recorded + self.read
        if not observed or self.unreadable > observed:
            reasons = "; ".join(sorted(set(self.reasons))[:3]) or "no call was made"
            raise AssertionError(
                f"{what}: the net's masks could be observed in only {observed} of {observed + self.unreadable} "
                f"calls of model.loss(X, y) (neither the records of its dropout_forward calls nor its gradients "
                f"showed them: {reasons}). Check that model.loss(X, y) returns (loss, grads) with a gradient for "
                f"every parameter, and that each hidden layer's dropout keeps each unit with probability p")

    def bare_unread(self, what):
        """None, or why the calls made without the recorder are mostly unread (inline_masks then asks whether
        dropout_forward's own defects explain it)."""
        if self.bare["unread"] <= self.bare["read"]:
            return None
        reasons = "; ".join(sorted(set(self.reasons))[:3])
        return (f"{what}: called with its own dropout_forward in place (no grader's wrapper around it), the net's "
                f"gradients showed its masks in only {self.bare['read']} of {sum(self.bare.values())} calls "
                f"({reasons}). Check that model.loss(X, y) does the same whatever dropout_forward is")


def _net_factors(reply, scenario, X, y, params, context, evidence, drawn_by_dropout_forward=False):
    """(NetReading, source) of one model.loss(X, y) reply, its loss and gradients compared with torch's
    given the reading's factors: from the validated records when the net called dropout_forward (source
    "records"), else read from its gradients ("gradients"; "records" too for a call made without the
    recorder, drawn_by_dropout_forward, by a net whose recorded calls show it calls dropout_forward);
    (None, None) when neither shows them (counted in `evidence`)."""
    records = reply.get("records")
    if records:
        reading, source = _recorded_factors(records, scenario, X, params, context), "records"
        what = "with the masks your dropout_forward calls drew (each call's x checked, its out / x applied)"
        evidence.recorded += 1
    else:
        try:
            reading, reason = _read_factors(reply, scenario, X, y, params, context)
        except AssertionError as error:
            if not drawn_by_dropout_forward:
                raise
            # Its recorded call was validated; a forward bug (kept values unscaled, say) can leave a batch too
            # ill-conditioned to read: counted, and failing closed when most such calls do not show their masks.
            reading, reason = None, str(error).split("\nScenario:")[0]
        if drawn_by_dropout_forward:
            evidence.bare["read" if reading is not None else "unread"] += 1
        if reading is None:
            evidence.unreadable += 1
            evidence.reasons.append(reason)
            return None, None
        source, what = "gradients", "with the masks read from your gradients (dropout written in fc_net.py)"
        if drawn_by_dropout_forward:
            source, what = "records", "with the masks read from your gradients (your dropout_forward's)"
        evidence.read += 1
    _, loss, grads = torch_net(X, y, params, scenario.reg, reading.factors)
    try:
        _compare_loss(reply, loss, grads, context, what)
    except AssertionError as failure:
        if not drawn_by_dropout_forward:
            raise
        # Without the grader's stand-ins, a wrong dropout_backward makes the gradients show some other mask:
        # the failure waits for the verdict on dropout_backward (NetEvidence.settle).
        for factor, seen in zip(reading.factors, reading.seen):
            evidence.bare_seen += int(np.count_nonzero(seen))
            evidence.bare_dropped += int(np.count_nonzero(seen & (factor == 0)))
        evidence.bare["read"] -= 1
        evidence.bare["unread"] += 1
        evidence.read -= 1
        evidence.unreadable += 1
        evidence.reasons.append("the gradients did not match torch's with the masks they showed")
        evidence.pending.append(str(failure))
        return None, None
    return reading, source


def _dropout_net_example(runner, scenario, evidence):
    context = _replay("dropout_net", scenario, "fc_net")
    X, y, params, replies = _net_call(runner, scenario, context, calls=2 if scenario.dropout_seed is not None else 1)
    _net_factors(replies[0], scenario, X, y, params, context, evidence)
    if scenario.dropout_seed is None:
        return
    records = [record for reply in replies for record in (reply.get("records") or [])]
    if records:
        # The net's part is to hand its seed to every call; whether dropout_forward honours it is the forward's.
        seeds = {record.get("seed") if isinstance(record, dict) else None for record in records}
        if seeds != {scenario.dropout_seed}:
            raise AssertionError(f"the net was built with seed={scenario.dropout_seed}, and its dropout_forward calls "
                                 f"were given dropout_param['seed'] {sorted(map(str, seeds))}: every call must get the "
                                 f"seed the net was given{context}")
        return
    assert_close(replies[1].get("loss"), np.asarray(replies[0].get("loss"), dtype=np.float64),
                 quantity="the loss of a second model.loss(X, y) with the same seed (the seed fixes every mask)",
                 tolerance=tolerances.ASSIGNMENT, context=context)


def dropout_net_matches_torch(runner, settings):
    """Keep ratio in (0, 1): the loss and every gradient match torch given the net's own masks: those its
    dropout_forward calls drew (one per hidden layer, p the keep ratio, each record validated against
    values computed here), or, for dropout written inline, those its gradients show (read_net_factors;
    N from 1 to readable_batch, on nets drawn by dropout_net_scenarios); with a seed, a second loss equals the first.
    Fails closed when the masks show in no call, or in fewer calls than they do not."""
    evidence = NetEvidence()
    for_all(dropout_net_scenarios(), settings, lambda scenario: _dropout_net_example(runner, scenario, evidence),
            examples=DESIGNED_DROPOUT_NETS)
    for scenario in IN_USE_NETS:
        _in_use_example(runner, scenario, evidence)
    evidence.settle(lambda: _backward_defective(runner, settings))
    evidence.require("over this check's scenarios")


# Nets of the sizes the notebook trains (batch 100, 3072 inputs, two hidden layers of 100, float32, biases
# near 0, keep ratios up to 0.97), IN_USE_CALLS training calls on each: no batch this large shows its masks
# in its gradients, but a net that calls dropout_forward is judged given its records as at any size, and
# every net must drop: never the loss and gradients of the net without dropout, nor one loss at every call.
IN_USE_NETS = (NetScenario((100, 100), (3072,), 10, 100, 0.5, 0.0, None, 21, dtype="float32"),
               NetScenario((100, 100), (3072,), 10, 100, 0.9, 0.01, None, 22, dtype="float32"),
               NetScenario((100, 50), (3, 32, 32), 10, 100, 0.97, 0.0, None, 23, dtype="float64"))
IN_USE_CALLS = 5
# Between those calls the worker trains as cs231n's Solver does (worker.solver_step: every parameter a new
# array, moved by this rate times its gradient, after a minibatch draw from the global RNG): a net that
# behaves only while nothing changes between its calls shows it.
IN_USE_LEARNING_RATE = 1e-3  # changes every parameter, keeps the logits where a trained net has them
# The largest difference from the no-dropout gradients, relative to their largest entry, that counts as
# none: a float32 net's own rounding is ~1e-6 of it; a dropping net's, a 1 / keep scale of 3% and more.
NO_DROPOUT_SHARE = 1e-4


def _dropped_nothing(reply, loss, grads):
    returned = reply.get("grads")
    if not isinstance(returned, dict) or set(returned) != set(grads):
        return False
    for key, expected in grads.items():
        got = np.asarray(returned[key], dtype=np.float64)
        if got.shape != expected.shape:
            return False
        if np.abs(got - expected).max() > NO_DROPOUT_SHARE * max(np.abs(expected).max(), 1e-12):
            return False
    return True


def _in_use_example(runner, scenario, evidence):
    context = _replay("in_use", scenario, "fc_net")
    X, y, params, replies = _net_call(runner, scenario, context, calls=IN_USE_CALLS, learning_rate=IN_USE_LEARNING_RATE)
    losses = []
    for call, reply in enumerate(replies, start=1):
        at = f" (call {call} of {IN_USE_CALLS} of model.loss(X, y) on one net, trained between calls as the Solver does)"
        if call > 1:  # the parameters the worker's Solver step made of the last call's gradients, made again here
            params = {**params, **solver_step(params, replies[call - 2].get("grads"), IN_USE_LEARNING_RATE)}
        _, plain_loss, plain_grads = torch_net(X, y, params, scenario.reg)
        records = reply.get("records")
        if records:
            reading = _recorded_factors(records, scenario, X, params, at + context)
            _, loss, grads = torch_net(X, y, params, scenario.reg, reading.factors)
            _compare_loss(reply, loss, grads, at + context, "with the masks your dropout_forward calls drew")
            evidence.recorded += 1
        elif _dropped_nothing(reply, plain_loss, plain_grads):
            raise AssertionError(
                f"in train mode with keep ratio {scenario.keep:g}, model.loss(X, y){at} gave the gradients of the "
                f"net without dropout: it dropped nothing and scaled nothing, on a batch of {scenario.n} of "
                f"{scenario.input_dim} values through hidden layers of {list(scenario.hidden_dims)} ({scenario.dtype}), "
                f"as the notebook trains{context}")
        losses.append(np.asarray(reply.get("loss"), dtype=np.float64).item()
                      if np.asarray(reply.get("loss")).size == 1 else None)
    # (A net that called dropout_forward draws what dropout_forward draws: its masks' freshness is judged
    # with its records, inline_masks, where a dropout_forward that repeats its masks is charged instead.)
    recorded = any(reply.get("records") for reply in replies)
    if not recorded and None not in losses and len(set(losses)) == 1:
        raise AssertionError(f"in train mode with keep ratio {scenario.keep:g}, {IN_USE_CALLS} calls of model.loss(X, y) "
                             f"on one net gave one loss, {losses[0]!r}: each call must draw its masks afresh{context}")


def unwrapped_call(scenario):
    """Which of an inline-masks scenario's two calls runs with the submission's own dropout_forward in
    place of the recorder (its masks read from the gradients): drawn from the scenario's seed."""
    return int(np.random.default_rng((scenario.seed, 0xB4E)).integers(2))


def _inline_masks_example(runner, scenario, evidence):
    context = _replay("inline_masks", scenario, "fc_net")
    bare = unwrapped_call(scenario)
    X, y, params, replies = _net_call(runner, scenario, context, calls=2, unwrapped=(bare,))
    observed = []
    recorded = bool(replies[1 - bare].get("records"))  # the net calls dropout_forward
    for call, reply in enumerate(replies):
        if call == bare and reply.get("bare_error"):
            # model.loss raised with the submission's own dropout_forward and dropout_backward in place: unread,
            # and a failure unless a dropout part fails on its own (NetEvidence.settle).
            evidence.bare["unread"] += 1
            evidence.unreadable += 1
            evidence.reasons.append("model.loss(X, y) raised")
            evidence.pending.append(f"with your own dropout_forward and dropout_backward in place (no grader's "
                                    f"stand-in), model.loss(X, y) raised {reply['bare_error']}{context}")
            continue
        if call == bare:
            reply = {**reply, "records": []}
        reading, source = _net_factors(reply, scenario, X, y, params, context, evidence,
                                       drawn_by_dropout_forward=recorded and call == bare)
        if reading is None:
            continue
        for layer, (factor, seen) in enumerate(zip(reading.factors, reading.seen), start=1):
            kept = factor[seen & (factor != 0)]
            tolerance = max(1e-6, 1e3 * reading.precision)
            if kept.size and not np.allclose(kept, 1.0 / scenario.keep, rtol=tolerance, atol=0):
                worst = float(kept[np.argmax(np.abs(kept - 1.0 / scenario.keep))])
                dropped = "" if np.any(seen & (factor == 0)) else ", and no unit was dropped"
                message = (f"the kept values of hidden layer {layer} are its ReLU's output times {worst:.6g}{dropped}, "
                           f"where the keep ratio {scenario.keep:g} asks for 1 / p = {1.0 / scenario.keep:.6g}")
                if source == "gradients":
                    raise AssertionError(f"inside the net (dropout written in fc_net.py), {message} (read from the "
                                         f"gradients of a batch of {scenario.n}){context}")
                evidence.scale = evidence.scale or f"in the net's dropout_forward calls, {message}{context}"
        observed.append((call, reading, source))
    # The global RNG's state at a call follows from the scenario's seed: a seed drawn again repeats the masks.
    observed = [(call, reading, source) for call, reading, source in observed
                if evidence.pools[source].fresh((scenario.seed, call))]
    for layer in range(len(scenario.hidden_dims)):
        for call, reading, source in observed:
            evidence.pools[source].add(reading.factors[layer] != 0, scenario.keep, seen=reading.seen[layer])
            if source == "records":
                x = _layer_inputs(X, params, reading.factors)[layer]
                evidence.as_called.append((x, scenario.keep, scenario.dtype))


# Units of the calls without the recorder that show, none dropped: a correct net keeps all of >= BARE_SEEN
# units at keep <= 0.85 with probability below 0.85^200 = 8e-15 (one bound of the inline check).
BARE_SEEN = 200


def _layer_inputs(X, params, factors):
    """Each hidden layer's ReLU output, what its dropout is given, with the layers below scaled by `factors`."""
    hidden, inputs = np.asarray(X, dtype=np.float64).reshape(len(X), -1), []
    for index, factor in enumerate(factors, start=1):
        relu = np.maximum(hidden @ params[f"W{index}"] + params[f"b{index}"], 0.0)
        inputs.append(relu)
        hidden = relu * factor
    return inputs


def inline_masks(runner, settings):
    """The masks the net applies, read on this side: from its gradients where it calls no dropout_forward
    (read_net_factors), else from its validated records; on batches of every size from 1 to
    readable_batch, two calls of model.loss(X, y) each, the loss and gradients matching torch given
    those masks. Each kept value is scaled by 1 / p, and over the check (MaskPool, each kind of
    masks apart) the masks drop 1 - p, independently in every example, unit and call. Masks that
    the records say dropout_forward drew are excused a defect only where dropout_forward shows it on
    its own (_forward_defects: "Dropout forward" charges it), or given the very calls the net made
    (_forward_defects_as_called). One call of each scenario (unwrapped_call)
    runs with the submission's own dropout_forward in place of the recorder, its masks read from the
    gradients: a net that drops only when something wraps dropout_forward shows there (and fails when
    most such calls show nothing, unless dropout_forward's own defects explain it). Fails closed when
    no mask is observed, or too few for a bound."""
    evidence = NetEvidence()
    own = []  # dropout_forward's own defects, found once when first needed

    def forward_defects():
        if not own:
            own.append(_forward_defects(runner, settings))
        return own[0]
    for_all(dropout_net_scenarios(seeds=False), settings,
            lambda scenario: _inline_masks_example(runner, scenario, evidence),
            examples=[scenario for scenario in DESIGNED_DROPOUT_NETS if scenario.dropout_seed is None])
    backward_defective = _once(lambda: _backward_defective(runner, settings))
    # Without the stand-ins, the gradients are dropout_backward's: they are its loss's derivative only when
    # dropout_backward is the derivative of dropout_forward, and each of those is its own part's to judge.
    evidence.settle(lambda: backward_defective() or bool(forward_defects()))
    if (evidence.bare_seen >= BARE_SEEN and not evidence.bare_dropped
            and fact(runner, ZEROES_DROPPED)):
        # Excused or not, a dropout_backward that zeroes what was dropped shows the drops in those gradients.
        raise AssertionError(
            f"with your own dropout_forward and dropout_backward in place (no grader's wrapper), the net's gradients "
            f"show not one of {evidence.bare_seen} hidden units dropped, though your dropout_backward zeroes the "
            f"dropped ones: the net must drop whatever calls it")
    evidence.require("over this check's scenarios")
    unread = evidence.bare_unread("over this check's scenarios")
    if unread and not forward_defects() and not backward_defective():
        raise AssertionError(f"{unread}\nYour dropout_forward shows no defect on its own (the 'Dropout forward' part's "
                             f"first check, run again) that would keep these masks from showing")
    if evidence.pools["gradients"].calls or not evidence.recorded:
        evidence.pools["gradients"].judge("inside the net (dropout written in fc_net.py), over this check's calls")
    if not evidence.recorded:
        return
    defects = evidence.pools["records"].failing("the masks of the net's dropout_forward calls, over this check's calls")
    if evidence.scale:
        defects["scale"] = evidence.scale
    if not defects:
        return
    unexplained = [name for name in defects if name not in forward_defects()]
    if unexplained and _forward_defects_as_called(runner, evidence.as_called):
        # dropout_forward misbehaves on the very calls the net made (a statistic of those masks fails when they
        # are drawn again): what the net's masks show is the forward's doing, whichever statistic shows it.
        unexplained = []
    if unexplained:
        raise AssertionError(
            f"{defects[unexplained[0]]}\nYour dropout_forward does not do this on its own (the 'Dropout forward' "
            f"part's first check, run again, finds {', '.join(sorted(forward_defects())) or 'nothing wrong'}): the net's dropout "
            f"must be dropout_forward(h, {{'mode': 'train', 'p': keep ratio}}) after each hidden ReLU, its out used "
            f"as it is")
