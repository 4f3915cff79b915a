"""A whole submission as data: for assignments whose submission is files of functions (cs231n-dropout,
two-layer), each catalogue entry is the folder a student hands in, its files' text given here."""
import textwrap
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    """name: an identifier; bug: one line, what is wrong ("" for a correct one); files: {relative path:
    source}; loses: the names of the parts (as the points table prints them) its bug must cost, empty
    for a correct submission, which must earn every point."""
    name: str
    bug: str
    files: dict
    loses: frozenset = field(default_factory=frozenset)

    def write(self, directory):
        """The submission's folder inside `directory` (a new folder named after it); returns its path."""
        root = Path(directory) / self.name
        for relative, source in self.files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source).lstrip("\n"))
        return root
