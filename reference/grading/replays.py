"""A replay line's graded example, found by name: an assignment lists {check: (module, example, evidence)} and
nothing but its PARTS reaches a check (a student kit's copy may leave a hidden part's module out)."""
import importlib


def replayed_example(package, examples, check, shared=None):
    """(example, evidence factory) of `check` in `examples`, looked up in `package`'s module: the evidence named
    there or in `shared` ({name: factory}), or none (a factory of None); ValueError for a check not graded here."""
    module, example, evidence = examples.get(check, (None, None, None))
    try:
        found = importlib.import_module(f".{module}", package) if module else None
    except ImportError:  # a student kit's copy, without a hidden part's module
        found = None
    if getattr(found, example or "", None) is None:
        raise ValueError(f"no graded check is called {check!r}: one of {', '.join(examples)}")
    if evidence is None:
        return getattr(found, example), lambda: None
    return getattr(found, example), (shared or {}).get(evidence) or getattr(found, evidence)
