"""Which elements did a Dropout keep? Read from what it did, not from how it says it did it.

Implementations store `self.mask` in many forms (a keep mask, a drop mask, bool, 0/1, scaled
by 1/(1-p)) or not at all. What is certain is the wrapped layer's output `pre` and the
Dropout's output `post`: where pre != 0, an element was kept exactly when post != 0. Where
pre == 0 the output cannot tell, and only a stored mask consistent with the rest can.
"""
import numpy as np


def infer_keep_mask(pre, post, stored_mask):
    """pre, post: (N, D) arrays (post possibly malformed); stored_mask: anything -> bool (N, D)."""
    pre = np.asarray(pre, dtype=np.float64)
    try:
        post = np.asarray(post, dtype=np.float64)
    except (TypeError, ValueError):
        return np.ones(pre.shape, dtype=bool)
    if post.shape != pre.shape:
        return np.ones(pre.shape, dtype=bool)
    observed = post != 0
    informative = pre != 0
    for candidate in _stored_candidates(stored_mask, pre.shape):
        if np.array_equal(candidate[informative], observed[informative]):
            return candidate
    # No usable stored mask: an element the output cannot reveal counts as kept.
    return observed | ~informative


def _stored_candidates(stored_mask, shape):
    if not isinstance(stored_mask, np.ndarray) or stored_mask.shape != shape:
        return ()
    if stored_mask.dtype.kind not in "biuf":
        return ()
    kept = np.asarray(stored_mask != 0)
    return kept, ~kept
