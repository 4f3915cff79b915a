"""Hand-ins as students make them, built from a submission's files: a notebook of their code in cells (with
the top-level code students leave in), a folder one level down with the debris of zipping, a zip."""
import json
import textwrap
import zipfile
from pathlib import Path

# Cells a student's notebook holds around the graded code: none of it may run while grading.
PREAMBLE = ["%matplotlib inline\n%load_ext autoreload\nimport numpy as np\nimport matplotlib.pyplot as plt\n",
            "!pip install tqdm\nfrom tqdm import tqdm\n"]
TRAINING = ["data = np.load('cifar10_train.npz')\nX, y = data['X'], data['y']\n",
            "while True:  # trains until interrupted\n    pass\n",
            "import sys\nsys.exit('a top-level exit')\n",
            "%%bash\nrm -rf /\n",
            "plt.plot([1, 2, 3])\nplt.show()\nprint('done')\n"]


def cell(source, outputs=()):
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": list(outputs),
            "source": source.splitlines(keepends=True)}


def notebook(*sources, markdown="# My solution\n"):
    """An nbformat 4 notebook's JSON: a markdown cell, then a code cell per source."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [markdown]}] + [cell(source) for source in sources]
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1)


def graded_cells(files):
    """The code of `files` ({path: source}) as notebook cells, one per file, as pasted (their imports of one
    another included: in a notebook they find the one namespace, or nothing and are skipped)."""
    return [textwrap.dedent(source).lstrip("\n") for source in files.values()]


def as_notebook(directory, files, name="homework.ipynb"):
    """A folder in `directory` holding one notebook: the preamble, the graded code, the training cells."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(notebook(*PREAMBLE, *graded_cells(files), *TRAINING))
    return folder


def nested(directory, files, top="Jane_Doe_HW"):
    """The files one folder down, with the debris zipping and editing leave: __MACOSX/ resource forks, an
    older WRONG copy in .ipynb_checkpoints/, a .DS_Store."""
    folder = Path(directory)
    for relative, source in files.items():
        path = folder / top / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
        fork = folder / "__MACOSX" / top / Path(relative).parent / f"._{Path(relative).name}"
        fork.parent.mkdir(parents=True, exist_ok=True)
        fork.write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
        stale = folder / top / Path(relative).parent / ".ipynb_checkpoints" / Path(relative).name
        stale.parent.mkdir(parents=True, exist_ok=True)
        stale.write_text("raise RuntimeError('an old checkpoint was graded')\n")
    (folder / top / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return folder


def zipped(folder, archive):
    """`folder`'s files in the zip `archive` (paths relative to the folder); returns its path."""
    folder, archive = Path(folder), Path(archive)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                handle.write(path, path.relative_to(folder).as_posix())
    return archive
