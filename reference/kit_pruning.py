"""A student kit's copy of an assignment module without the parts students do not see: their entries in
PARTS go, and so does every function that only they used (their checks, those checks' examples), so that
a hidden part is absent from the kit, not merely unlisted. Functions nothing used before stay (the
module's public helpers, replay lines' entry points). Whole lines are cut, with the comment block just
above a function cut (a section's header); the rest of the text is kept as it is.
"""
import ast
from collections import Counter


def without_parts(source, hidden):
    """`source` (an assignment module's text) with the Part(...) entries named in `hidden` cut from its
    PARTS, then every top-level function they alone reached."""
    if not hidden:
        return source
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    unused_before = _unused_functions(tree)
    cut = set()
    for node in _parts_entries(tree):
        if isinstance(node.args[0], ast.Constant) and node.args[0].value in hidden:
            cut.update(range(node.lineno - 1, node.end_lineno))
    missing = set(hidden) - {node.args[0].value for node in _parts_entries(tree) if isinstance(node.args[0],
                                                                                              ast.Constant)}
    if missing:
        raise ValueError(f"no Part called {', '.join(sorted(missing))} in this module's PARTS")
    while True:
        text = "".join(line for index, line in enumerate(lines) if index not in cut)
        tree = ast.parse(text)
        unused = _unused_functions(tree)
        orphans = [node for node in _functions(tree) if node.name in unused and node.name not in unused_before]
        if not orphans:
            return text
        kept = [index for index in range(len(lines)) if index not in cut]
        for node in orphans:  # line numbers of `text`, mapped back to the original's
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)]) - 1
            above = first  # the comments just above it (a section's header) go with it
            while above > 0 and not lines[kept[above - 1]].strip():
                above -= 1
            while above > 0 and lines[kept[above - 1]].lstrip().startswith("#"):
                above -= 1
                first = above
            cut.update(kept[line] for line in range(first, node.end_lineno))


def _parts_entries(tree):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == "PARTS"
                                                 for target in node.targets) and isinstance(node.value, ast.Tuple)):
            yield from (entry for entry in node.value.elts if isinstance(entry, ast.Call) and entry.args)


def _functions(tree):
    """The module's top-level functions, and those under a top-level `if` (the trusted half)."""
    for node in tree.body:
        if isinstance(node, ast.If):
            yield from (child for child in node.body if isinstance(child, ast.FunctionDef))
        elif isinstance(node, ast.FunctionDef):
            yield node


def _unused_functions(tree):
    """Names of the top-level functions no code outside their own body refers to."""
    everywhere = Counter(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
    return {function.name for function in _functions(tree)
            if everywhere[function.name] == sum(isinstance(node, ast.Name) and node.id == function.name
                                                for node in ast.walk(function))}
