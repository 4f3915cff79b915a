"""One hand-in, opened: what an assignment's load_submission asks for its graded modules."""
import sys
import types

from .importing import HandInModules, execute
from .sources import Finder
from .tree import read_tree

NOTES, NOTE_CHARACTERS = 30, 400
_opened = []  # the hand-in this process opened last: its notes are what the worker reports


class HandIn:
    """The submission at `directory` (a folder, or a .zip / .ipynb / .py handed in alone), read once."""

    def __init__(self, directory):
        self.directory = str(directory).rstrip("/")
        self.tree = read_tree(self.directory)
        self.finder = Finder(self.tree, self.directory)
        self.notes = self.finder.notes
        self.modules = {}  # a source's path -> its module (one notebook may provide several graded modules)
        self._importer = HandInModules(self)
        sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, HandInModules)]
        sys.meta_path.append(self._importer)
        _opened[:] = [self]

    def find(self, wanted):
        return self.finder.find(wanted)

    def load(self, wanted, name, aliases=()):
        """The module `name` (also registered as each of `aliases`) from the source providing `wanted`;
        HandInError (a message for the student) when there is none, or it is empty or does not parse."""
        return self.load_source(self.find(wanted), name, aliases)

    def load_source(self, source, name, aliases=()):
        known = self.modules.get(source.path)
        if known is not None:
            self._register(known, name, aliases)
            return known
        module = types.ModuleType(name)
        module.__package__ = name.rpartition(".")[0]
        self._register(module, name, aliases)
        self.modules[source.path] = module
        try:
            return execute(self, source, module)
        except BaseException:
            for alias in (name, *aliases):
                if sys.modules.get(alias) is module:
                    del sys.modules[alias]
            del self.modules[source.path]
            raise

    def package(self, name, folder):
        """An empty package `name` whose submodules are the hand-in's files in `folder` ('' its top)."""
        module = types.ModuleType(name)
        module.__path__ = [HandInModules.PREFIX + folder]
        module.__package__ = name
        sys.modules[name] = module
        return module

    @staticmethod
    def _register(module, name, aliases):
        for alias in (name, *aliases):
            sys.modules[alias] = module
            parent, _, child = alias.rpartition(".")
            if parent and parent in sys.modules:
                setattr(sys.modules[parent], child, module)


def report():
    """The notes of the hand-in this process opened last, each cut, at most NOTES: for the feedback."""
    if not _opened:
        return []
    seen, notes = set(), []
    for note in _opened[0].notes:
        if note not in seen:
            seen.add(note)
            notes.append(note if len(note) <= NOTE_CHARACTERS else note[:NOTE_CHARACTERS - 3] + "...")
    return notes[:NOTES] + ([f"... ({len(notes) - NOTES} more notes)"] if len(notes) > NOTES else [])


def source_text(source):
    """A source's code as text: a .py file's, or a notebook's kept cells' lines."""
    if source.notebook is None:
        return source.text
    return "".join(line for cell in source.notebook.cells for line in cell.lines)
