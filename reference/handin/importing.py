"""A hand-in's sources executed as modules, in memory (a zip's members never touch a disk): a .py file whole,
as an import runs it; a notebook's kept statements in cell order, each on its own, so that an import the
worker cannot satisfy (matplotlib, tqdm) or a definition that raises is skipped and noted, not fatal.
Any other module a graded file imports by name (`import reg_utils`, `from .fast_layers import *`) is found
in the hand-in too: the one file of that name, the shallowest (HandInModules, on sys.meta_path).
"""
import builtins
import importlib.abc
import importlib.machinery
import linecache
import math
import sys

from .notebooks import CONSTANT_MODULES
from .sources import HandInError, Source


def display_name(directory, path):
    """The file name a hand-in's code runs under: under the submission's folder, as the worker's
    tracebacks show it (reference.sandbox.worker keeps the frames below that folder)."""
    return f"{directory}/{path}"


def execute(handin, source, module):
    """Run `source` (a sources.Source) in `module` (already in sys.modules under its names)."""
    if source.notebook is None:
        text = source.text
        if not text.strip():
            raise HandInError(f"{source.path} is empty: it defines nothing to grade")
        filename = display_name(handin.directory, source.path)
        module.__file__ = filename
        _remember(filename, text.splitlines(keepends=True))
        try:
            code = compile(text, filename, "exec", dont_inherit=True)
        except SyntaxError as error:
            raise HandInError(_syntax(source.path, error)) from None
        exec(code, module.__dict__)
        return module
    module.__file__ = display_name(handin.directory, source.path)
    unavailable = []
    for cell in source.notebook.cells:
        _remember(cell.filename, cell.lines)
        for statement in cell.statements:
            if not _constant(statement, module.__dict__):
                handin.notes.append(f"{source.path}, cell {cell.number}, line {statement.line}: `{statement.text}` "
                                    f"calls something other than numpy's or math's functions on constants: not run")
                continue
            try:
                exec(statement.code, module.__dict__)
            except ImportError as error:
                name = getattr(error, "name", None) or statement.text
                unavailable.append(f"{name} (cell {cell.number})")
            except Exception as error:  # noqa: BLE001 - one definition's failure, said; the rest still runs
                handin.notes.append(f"{source.path}, cell {cell.number}, line {statement.line}: `{statement.text}` "
                                    f"raised {type(error).__name__}: {str(error)[:200]}: skipped")
    if unavailable:
        handin.notes.append(f"{source.path}: not available while grading, so not imported (a graded function "
                            f"that uses one fails): {', '.join(unavailable[:12])}" + (" ..." if len(unavailable) > 12 else ""))
    return module


def _constant(statement, namespace):
    """Whether a constant's calls call what they look like: numpy's or math's functions, or the builtin of
    that name, on arguments none of which is a function (np = exec was a way to run anything)."""
    for root, names in statement.calls:
        found = namespace.get(root, getattr(builtins, root, None))
        if root in CONSTANT_MODULES:
            if found is not sys.modules.get("numpy") and found is not math:
                return False
        elif found is not getattr(builtins, root, None):
            return False
        for name in names:
            value = namespace.get(name, getattr(builtins, name, None))
            if callable(value) and not isinstance(value, type) and value not in (math, sys.modules.get("numpy")):
                return False
    return True


def _remember(filename, lines):
    """The source of a file that is not on disk, for tracebacks to show its lines."""
    linecache.cache[filename] = (sum(map(len, lines)), None, list(lines), filename)


def _syntax(path, error):
    where = f"{path}, line {error.lineno}" if error.lineno else path
    text = (error.text or "").rstrip("\n")
    shown = f"\n    {text.strip()}" if text.strip() else ""
    return f"a syntax error in {where}: {error.msg}{shown}"


class HandInModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of the hand-in's own other modules: a top-level name, the shallowest `NAME.py` of the hand-in
    (when only one file at that depth has that name); a submodule of a package the hand-in's loading made
    (its __path__ an entry 'handin:FOLDER'), FOLDER/NAME.py. Last on sys.meta_path: whatever Python finds
    itself (numpy, the standard library) comes first."""

    PREFIX = "handin:"

    def __init__(self, handin):
        self.handin = handin

    def find_spec(self, fullname, path=None, target=None):
        found = self._path(fullname, path)
        if found is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin=display_name(self.handin.directory, found))

    def _path(self, fullname, path):
        files = self.handin.tree.files
        last = fullname.rpartition(".")[2]
        if path is None:
            named = [p for p in files if p.rsplit("/", 1)[-1] == f"{last}.py"]
            if not named:
                return None
            depth = min(p.count("/") for p in named)
            shallowest = [p for p in named if p.count("/") == depth]
            return shallowest[0] if len({files[p] for p in shallowest}) == 1 else None
        for entry in path:
            if isinstance(entry, str) and entry.startswith(self.PREFIX):
                folder = entry[len(self.PREFIX):]
                candidate = f"{folder}/{last}.py" if folder else f"{last}.py"
                if candidate in files:
                    return candidate
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        path = module.__spec__.origin[len(self.handin.directory) + 1:]
        self.handin.modules[path] = module  # loaded once, whoever asks first
        execute(self.handin, Source(path, text=self.handin.finder.text(path)), module)
