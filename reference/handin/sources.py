"""Which file of a hand-in provides a graded module, by one rule (docs/staff.md, "What a student may hand in"):

1. a .py file of the expected name (`layers.py`), anywhere in the tree: the shallowest one (copies with the
   same content count once; two different ones at that depth compete); in another case if need be
   (`dropout.py` for `Dropout.py`);
2. else a notebook's `%%writefile layers.py` cell (Colab's way to that file);
3. else whatever defines the most of the module's graded names: a .py file or a notebook (a .py at a tie;
   then the shallowest; two different ones still tied compete). A notebook's copies count once when their
   code is the same, whatever their outputs.
A .py file exported from a notebook (`# In[ ]:` cells, get_ipython() calls) is read as that notebook. When
nothing provides the module, or two candidates compete, HandInError says what was found and what is
expected, with the path the grader would need.
"""
import ast
import json
import re
from dataclasses import dataclass

from .notebooks import NotebookError, read_notebook


# A script made by Jupyter's "Download as .py" (nbconvert): its cells' markers, its magics' calls.
EXPORTED = re.compile(r"(?m)^# In\[[ 0-9]*\]:|get_ipython\(\)")


class HandInError(FileNotFoundError):
    """A graded module the hand-in does not provide (or provides twice): a message for the student."""


@dataclass(frozen=True)
class Wanted:
    """A graded module: its file's name, the names it must define, and the places the assignment names."""
    file: str
    names: tuple
    places: tuple = ()

    @property
    def module(self):
        return self.file[:-3]


@dataclass
class Source:
    """Where a graded module comes from: a .py file's text, or a notebook's kept cells."""
    path: str
    text: str = None
    notebook: object = None


def _depth(path):
    return path.count("/")


def _decoded(data):
    """(text, note): UTF-8 (a BOM or a coding line honoured), else Windows-1252 with a note."""
    import importlib.util
    try:
        return importlib.util.decode_source(data), None
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return data.decode("cp1252", errors="replace"), "is not UTF-8 text: read as Windows-1252 (save it as UTF-8)"


def defined_names(text):
    """The names a module's source binds at its top level (empty when it does not parse)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


class Finder:
    """Finds graded modules in a Tree; its notes say what was chosen, skipped or refused."""

    def __init__(self, tree, directory):
        self.tree, self.directory = tree, directory
        self.notes = list(tree.notes)
        self._notebooks, self._texts = {}, {}

    def text(self, path):
        if path not in self._texts:
            text, note = _decoded(self.tree.files[path])
            if note:
                self.notes.append(f"{path} {note}")
            self._texts[path] = text
        return self._texts[path]

    def notebook(self, path):
        """The path's Notebook, or None (noted) when it cannot be read."""
        if path not in self._notebooks:
            try:
                found = read_notebook(self.tree.files[path], path, f"{self.directory}/{path}")
            except NotebookError as error:
                self.notes.append(str(error))
                found = None
            except (MemoryError, RecursionError):
                self.notes.append(f"{path} is too large or too deeply nested to read")
                found = None
            self._notebooks[path] = found
        return self._notebooks[path]

    def find(self, wanted):
        """The Source of `wanted`, else HandInError."""
        python = [path for path in self.tree.files if path.endswith(".py")]
        named = [path for path in python if path.rsplit("/", 1)[-1] == wanted.file]
        named = named or [path for path in python if path.rsplit("/", 1)[-1].lower() == wanted.file.lower()]
        if named:
            path = self._shallowest(named, wanted)
            self._also(wanted, path)
            return self._python(path)
        notebooks = [(path, self.notebook(path)) for path in self.tree.files if path.endswith(".ipynb")]
        for path, notebook in notebooks:  # Colab's %%writefile cell, the file it writes
            if notebook and wanted.file in notebook.written:
                self.notes.append(f"graded the %%writefile {wanted.file} cell of {path}")
                return Source(f"{path} (%%writefile {wanted.file})", text=notebook.written[wanted.file])
        # Else whatever defines the most of the module's names: a .py before a notebook at a tie (a helper
        # module that shares one name with the assignment is not the notebook that defines them all).
        scored = [(len(set(wanted.names) & defined_names(self.text(path))), 1, path) for path in python]
        scored += [(len(set(wanted.names) & notebook.defines), 0, path) for path, notebook in notebooks if notebook]
        scored = [entry for entry in scored if entry[0]]
        if not scored:
            raise HandInError(self._missing(wanted))
        best = max(scored)[:2]
        path = self._shallowest([path for *key, path in scored if tuple(key) == best], wanted)
        defined = sorted(set(wanted.names) & (defined_names(self.text(path)) if best[1] else self.notebook(path).defines))
        if best[1]:
            self.notes.append(f"{wanted.file} was not handed in: graded {path}, which defines {', '.join(defined)}")
            self._also(wanted, path)
            return self._python(path)
        self.notes.append(f"graded the notebook {path} for {wanted.file} ({', '.join(defined)})")
        self.notes += self.notebook(path).summary()
        return Source(path, notebook=self.notebook(path))

    def _python(self, path):
        """A .py file's Source; a notebook exported as a script (`# In[ ]:` cells, get_ipython() calls) is read
        as the notebook it was: its definitions alone."""
        text = self.text(path)
        if not EXPORTED.search(text):
            return Source(path, text=text)
        cells = [{"cell_type": "code", "source": cell} for cell in re.split(r"(?m)^# In\[[^\]]*\]:.*$", text)]
        notebook = read_notebook(json.dumps({"nbformat": 4, "cells": cells}).encode(), path,
                                 f"{self.directory}/{path}")
        self.notes.append(f"{path} is a notebook exported as a script: read as a notebook")
        self.notes += notebook.summary()
        return Source(path, notebook=notebook)

    def _code(self, path):
        """What of a file is graded, to tell copies apart: a notebook's kept code (its outputs aside)."""
        if path.endswith(".ipynb") and self.notebook(path) is not None:
            return "".join(line for cell in self.notebook(path).cells for line in cell.lines)
        return self.tree.files[path]

    def _shallowest(self, paths, wanted):
        depth = min(_depth(path) for path in paths)
        first = sorted(path for path in paths if _depth(path) == depth)
        contents = {self._code(path) for path in first}
        if len(contents) > 1:
            raise HandInError(f"{wanted.file}: {len(first)} different candidates compete ({', '.join(first)}); "
                              f"hand in one (remove or rename the others)")
        deeper = sorted(set(paths) - set(first))
        if deeper:
            self.notes.append(f"graded {first[0]}; not graded: {', '.join(deeper[:5])}")
        return first[0]

    def _also(self, wanted, path):
        """A notebook defining the same names as the .py graded: said, since the student may expect it graded."""
        for other in (p for p in self.tree.files if p.endswith(".ipynb")):
            notebook = self.notebook(other)
            if notebook and set(wanted.names) & notebook.defines:
                self.notes.append(f"{other} also defines {', '.join(sorted(set(wanted.names) & notebook.defines))}: "
                                  f"{path} was graded (a .py file is graded before a notebook)")

    def _missing(self, wanted):
        found = sorted(self.tree.files) + self.tree.others
        listing = ", ".join(found[:20]) + (" ..." if len(found) > 20 else "") if found else "nothing readable"
        places = " or ".join(wanted.places or (wanted.file,))
        return (f"{wanted.file} was not found: the submission holds {listing}. Expected {places} (anywhere in "
                f"the folder or zip), or a notebook (.ipynb) whose code cells define "
                f"{' and '.join(wanted.names)}.")
