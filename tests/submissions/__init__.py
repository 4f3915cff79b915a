"""Submission folders as a course receives them (layers/Dropout.py, layers/L2regularization.py),
written by tests into temporary directories; the files' text comes from the catalogue's classes."""
import inspect
from pathlib import Path

from tests.catalogue import correct


def as_submission_file(cls, name):
    """A catalogue class's source as the student's file: `import numpy as np` and the class renamed."""
    return "import numpy as np\n\n\n" + inspect.getsource(cls).replace(f"class {cls.__name__}", f"class {name}", 1)


CORRECT_DROPOUT = as_submission_file(correct.DropoutRandGreater, "Dropout")
CORRECT_L2 = as_submission_file(correct.L2UsesAlias, "L2regularization")


def write_submission(directory, dropout=CORRECT_DROPOUT, l2=CORRECT_L2, nested=True):
    """A submission folder in `directory`: layers/*.py (or both files at the top); returns its path."""
    folder = Path(directory) / ("layers" if nested else "")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dropout.py").write_text(dropout)
    (folder / "L2regularization.py").write_text(l2)
    return Path(directory)
