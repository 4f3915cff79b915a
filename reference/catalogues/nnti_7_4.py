"""nnti-7.4's known bugs: the classes of wrong_dropouts.py and wrong_l2.py, each costing the parts of the
checks its CAUGHT_BY names (found by reference.catalogues.known_bugs under this package's name)."""
import functools

from . import KnownBug, wrong_dropouts, wrong_l2


def known_bugs(assignment):
    part_of = {check.name: part.name for part in assignment.PARTS for check in part.checks}
    return tuple(KnownBug(cls.__name__, cls.__doc__.strip().splitlines()[0], frozenset(map(part_of.get, checks)),
                          functools.partial(dict, {kind: cls}), frozenset(checks))
                 for kind, module in (("dropout", wrong_dropouts), ("l2", wrong_l2))
                 for cls, checks in module.CAUGHT_BY.items())
