"""A student kit's copy of an assignment package without the parts students do not see: their entries in
PARTS go, and so does every function that only they used (their checks, those checks' examples, in
whichever module of the package), so that a hidden part is absent from the kit, not merely unlisted.
Functions nothing used before stay (the package's public helpers, replay lines' entry points); an
import is not a use, and a name a module imports from another is dropped from the import once it is
cut there. Whole lines are cut, with the comment block just above a function cut (a section's header);
the rest of the text is kept as it is.
"""
import ast
from collections import Counter

INIT = "__init__.py"


def package_without_parts(sources, hidden):
    """`sources` ({file name: text} of an assignment package's trusted modules, INIT among them) with the
    Part(...) entries named in `hidden` cut from INIT's PARTS, then every top-level function of any of
    them that they alone reached, and the imports of what was cut."""
    texts = dict(sources)
    if not hidden:
        return texts
    texts[INIT] = _without_entries(texts[INIT], hidden)
    unused_before = _package_unused({name: ast.parse(text) for name, text in sources.items()})
    while True:
        orphans = _package_unused({name: ast.parse(text) for name, text in texts.items()}) - unused_before
        if not orphans:
            # A module left defining nothing (a hidden part's checks, all cut) is left out of the kit.
            return {name: text for name, text in texts.items()
                    if name == INIT or _definitions(ast.parse(text)) or not _definitions(ast.parse(sources[name]))}
        for name in texts:
            cut = {function for module, function in orphans if module == name}
            if cut:
                texts[name] = _without_functions(texts[name], cut)
        texts = _without_dangling_imports(texts)


def _without_entries(source, hidden):
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    entries = list(_parts_entries(tree))
    missing = set(hidden) - {node.args[0].value for node in entries if isinstance(node.args[0], ast.Constant)}
    if missing:
        raise ValueError(f"no Part called {', '.join(sorted(missing))} in this module's PARTS")
    cut = set()
    for node in entries:
        if isinstance(node.args[0], ast.Constant) and node.args[0].value in hidden:
            cut.update(range(node.lineno - 1, node.end_lineno))
    return "".join(line for index, line in enumerate(lines) if index not in cut)


def _package_unused(trees):
    """(module, function) of the top-level functions no code of the package outside their own body names."""
    everywhere = Counter(node.id for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.Name))
    return {(module, function.name) for module, tree in trees.items() for function in _functions(tree)
            if everywhere[function.name] == sum(isinstance(node, ast.Name) and node.id == function.name
                                                for node in ast.walk(function))}


def _without_functions(source, names):
    """`source` without the top-level functions called `names`, each with the comment block just above it."""
    lines = source.splitlines(keepends=True)
    cut = set()
    for node in _functions(ast.parse(source)):
        if node.name not in names:
            continue
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)]) - 1
        above = first
        while above > 0 and not lines[above - 1].strip():
            above -= 1
        while above > 0 and lines[above - 1].lstrip().startswith("#"):
            above -= 1
            first = above
        cut.update(range(first, node.end_lineno))
    return "".join(line for index, line in enumerate(lines) if index not in cut)


def _definitions(tree):
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign))]


def _defined(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in ast.walk(node) if isinstance(target, ast.Name)
                         and isinstance(target.ctx, ast.Store))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.If):
            names.update(child.name for child in node.body if isinstance(child, ast.FunctionDef))
    return names


def _without_dangling_imports(texts):
    """Each `from .module import a, b` of the package rewritten without the names `module` no longer defines."""
    defined = {name.removesuffix(".py"): _defined(ast.parse(text)) for name, text in texts.items()}
    result = {}
    for name, text in texts.items():
        lines = text.splitlines(keepends=True)
        edits = []
        for node in ast.parse(text).body:
            module = node.module if isinstance(node, ast.ImportFrom) and node.level == 1 else None
            if module not in defined:
                continue
            kept = [alias for alias in node.names if alias.name in defined[module] or alias.name == "*"]
            if len(kept) < len(node.names):
                replacement = "" if not kept else ast.unparse(ast.ImportFrom(node.module, kept, 1)) + "\n"
                edits.append((node.lineno - 1, node.end_lineno, replacement))
        for start, end, replacement in sorted(edits, reverse=True):
            lines[start:end] = [replacement] if replacement else []
        result[name] = "".join(lines)
    return result


def without_parts(source, hidden):
    """`source` (a one-module assignment's text) with the parts named in `hidden` cut (package_without_parts)."""
    return package_without_parts({INIT: source}, hidden)[INIT]


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
