"""A Jupyter notebook's graded definitions: from its code cells, in order, the imports, functions, classes and
constants (a name bound to a literal, a lambda, another name, or numpy's or math's function of those); every other top-level statement (training
loops, plots, prints, data loading, calls) is not run, and each cell that lost one is named for the
student. Magics and shell lines (`%matplotlib`, `!pip`) are dropped; a cell in a non-Python cell magic
(`%%bash`, `%%writefile`) is skipped whole. Outputs and attachments are never read.
"""
import ast
import json
import re
from dataclasses import dataclass, field

CELLS = 5000
CELL_CHARACTERS = 500_000
PYTHON_CELL_MAGICS = ("%%time", "%%capture")  # their body is the cell's Python, run once
_LINE_MAGIC = re.compile(r"^(\s*)(?:[%!?]|\w[\w.]*\s*=\s*[%!]|[\w.]+\?\??\s*$)")  # and IPython's help, `np.rand?`


class NotebookError(ValueError):
    """The file is not a notebook this grader can read: one plain sentence."""


@dataclass
class Statement:
    """One kept top-level statement of a cell, compiled on its own (so one that fails is skipped alone).
    calls: of a constant that calls (EPS = np.finfo(float).eps), each call's (root name, the names among its
    arguments): run only if the root is numpy, math or the builtin it names and no argument is a function."""
    code: object
    line: int
    text: str
    is_import: bool
    calls: tuple = ()


@dataclass
class Cell:
    number: int  # 1-based among all the notebook's cells, as the student counts them
    filename: str  # the name its code is compiled under: "<path> [cell N]"
    lines: list
    statements: list
    defines: tuple


@dataclass
class Notebook:
    path: str
    cells: list = field(default_factory=list)
    not_run: list = field(default_factory=list)  # the numbers of the cells whose top-level code was not run
    skipped: list = field(default_factory=list)  # "cell N: why the whole cell was skipped"
    written: dict = field(default_factory=dict)  # {file name: source} of its %%writefile cells

    def summary(self):
        """What the student should know of how this notebook was read, in a few sentences."""
        said = []
        if self.not_run:
            cells = ", ".join(map(str, self.not_run[:15])) + (" ..." if len(self.not_run) > 15 else "")
            said.append(f"{self.path}: only imports, functions, classes and constants are graded; the other "
                        f"top-level code of cell{'s' if len(self.not_run) > 1 else ''} {cells} was not run")
        said += [f"{self.path}, {reason}" for reason in self.skipped[:10]]
        return said

    @property
    def defines(self):
        return {name for cell in self.cells for name in cell.defines}


def read_notebook(data, path, filename_prefix):
    """The Notebook at `path` (its bytes `data`); each kept cell compiled as f"{filename_prefix} [cell N]".
    NotebookError when it is not a notebook's JSON."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise NotebookError(f"{path} is not a readable notebook (not valid JSON: {_short(error)})") from None
    if not isinstance(document, dict):
        raise NotebookError(f"{path} is not a notebook (its JSON is not an object)")
    if document.get("nbformat") == 3 or ("worksheets" in document and "cells" not in document):
        # nbformat 3, as Jupyter reads it: its worksheets' cells (a top-level "cells" it ignores, so do we)
        sheets = document.get("worksheets")
        cells = [cell for sheet in sheets if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
                 for cell in sheet["cells"]] if isinstance(sheets, list) else None
    else:
        cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"{path} is not a notebook (no list of cells)")
    if len(cells) > CELLS:
        raise NotebookError(f"{path} has {len(cells)} cells; at most {CELLS} are read")
    notebook = Notebook(path)
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        source = "".join(part for part in source if isinstance(part, str)) if isinstance(source, list) else source
        if not isinstance(source, str):
            continue
        if len(source) > CELL_CHARACTERS:
            notebook.skipped.append(f"cell {number}: longer than {CELL_CHARACTERS} characters, not read")
            continue
        kept = _cell(number, source, f"{filename_prefix} [cell {number}]", notebook)
        if kept is not None:
            notebook.cells.append(kept)
    return notebook


def _cell(number, source, filename, notebook):
    first = source.lstrip().split("\n", 1)[0].strip()
    if first.startswith(("%%writefile", "%%file")):  # Colab's way to a .py: the file it would write
        words = first.split()
        name = next((word for word in words[1:] if not word.startswith("-")), None)
        body = source.lstrip().split("\n", 1)[1] if "\n" in source.lstrip() else ""
        if name and "-a" not in words and "--append" not in words:
            notebook.written[name.strip("'\"").rsplit("/", 1)[-1]] = body
        return None
    if first.startswith("%%"):
        if not first.startswith(PYTHON_CELL_MAGICS):
            notebook.skipped.append(f"cell {number}: a `{first.split()[0]}` cell, not Python: skipped")
            return None
        source = "\n" + source.lstrip().split("\n", 1)[1] if "\n" in source.lstrip() else ""
    lines = source.split("\n")
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:  # magics first (a line that starts with % inside an expression is Python's)
        lines = [_without_magic(line) for line in lines]
        try:
            tree = ast.parse("\n".join(lines), filename)
        except SyntaxError as error:
            notebook.skipped.append(f"cell {number}: a syntax error at line {error.lineno} ({error.msg}): "
                                    f"the whole cell was skipped")
            return None
    statements, not_run = [], []
    for node in tree.body:
        if _kept(node):
            module = ast.Module(body=[node], type_ignores=[])
            statements.append(Statement(compile(module, filename, "exec"), node.lineno,
                                        _line(lines, node.lineno), isinstance(node, (ast.Import, ast.ImportFrom)),
                                        _calls(node) if isinstance(node, (ast.Assign, ast.AnnAssign)) else ()))
        elif not _ignorable(node):
            not_run.append(node.lineno)
    if not_run:
        notebook.not_run.append(number)
    if not statements:
        return None
    return Cell(number, filename, [line + "\n" for line in source.split("\n")], statements,
                tuple(name for node in tree.body if _kept(node) for name in _bound(node)))


def _without_magic(line):
    """A magic or shell line as `pass` at its indentation (a block it ends keeps a body)."""
    found = _LINE_MAGIC.match(line)
    return f"{found.group(1)}pass" if found else line


def _kept(node):
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, ast.Assign):
        return all(isinstance(target, ast.Name) for target in node.targets) and _static(node.value)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.value is not None and _static(node.value)
    if isinstance(node, ast.Try):  # try: import x / except ImportError: x = None
        return all(_kept(child) or isinstance(child, ast.Pass) for child in
                   node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body])
    return False


# Calls a constant may make (EPS = np.finfo(float).eps, SQRT2 = math.sqrt(2), W0 = np.zeros((3, 1))): numpy's
# and math's functions and a few builtins, on arguments that are constants themselves. A call of the
# student's own functions (a training run) never is one.
CONSTANT_MODULES = ("np", "numpy", "math")
CONSTANT_BUILTINS = ("float", "int", "bool", "str", "tuple", "list", "dict", "set", "frozenset", "range", "slice",
                     "complex", "abs", "min", "max", "round", "len", "sum", "pow")


def _constant_call(value):
    callee = value.func
    while isinstance(callee, ast.Attribute):
        callee = callee.value
    if not isinstance(callee, ast.Name):
        return False
    root = callee.id
    if not (root in CONSTANT_MODULES or (root in CONSTANT_BUILTINS and isinstance(value.func, ast.Name))):
        return False
    return all(_static(argument) for argument in value.args) and all(_static(keyword.value)
                                                                     for keyword in value.keywords)


def _calls(node):
    """(root name, argument names) of every call in a kept assignment's value."""
    found = []
    for call in (child for child in ast.walk(node.value) if isinstance(child, ast.Call)):
        root = call.func
        while isinstance(root, ast.Attribute):
            root = root.value
        names = tuple(child.id for argument in [*call.args, *(k.value for k in call.keywords)]
                      for child in ast.walk(argument) if isinstance(child, ast.Name))
        found.append((root.id, names))
    return tuple(found)


def _static(value):
    """A literal, a name, an attribute, a lambda, a call of numpy's or math's on such values, or containers
    and arithmetic of those: nothing of the student's runs."""
    if isinstance(value, (ast.Constant, ast.Name, ast.Lambda)):
        return True
    if isinstance(value, ast.Call):
        return _constant_call(value)
    if isinstance(value, ast.Starred):
        return _static(value.value)
    if isinstance(value, ast.Subscript):
        return _static(value.value) and _static(value.slice)
    if isinstance(value, ast.Slice):
        return all(part is None or _static(part) for part in (value.lower, value.upper, value.step))
    if isinstance(value, ast.Attribute):
        return _static(value.value)
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return all(_static(element) for element in value.elts)
    if isinstance(value, ast.Dict):
        return all(key is None or _static(key) for key in value.keys) and all(_static(v) for v in value.values)
    if isinstance(value, ast.UnaryOp):
        return _static(value.operand)
    if isinstance(value, ast.BinOp):
        return _static(value.left) and _static(value.right)
    return False


def _ignorable(node):
    """A docstring-like string, `pass`, or a bare name (a cell that displays a value): nothing to report."""
    return isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.Name)))


def _bound(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    if isinstance(node, ast.Assign):
        return tuple(target.id for target in node.targets)
    if isinstance(node, ast.AnnAssign):
        return (node.target.id,)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return tuple((alias.asname or alias.name.split(".")[0]) for alias in node.names if alias.name != "*")
    if isinstance(node, ast.Try):
        return tuple(name for child in node.body for name in _bound(child))
    return ()


def _line(lines, number):
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return text if len(text) <= 60 else text[:57] + "..."


def _short(error):
    text = str(error)
    return text if len(text) <= 120 else text[:117] + "..."
