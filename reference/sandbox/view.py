"""A worker's view: a fresh folder holding what the worker may see and nothing else (the worker half of
the assignment and the numpy-only harness modules it imports, the toyframe skeleton a submission
builds on, a read-only copy of the submission within size caps)."""
import ast
import os
import shutil
import tempfile
from pathlib import Path

from .. import assignments
from ..handin.tree import walk

ROOT = Path(__file__).resolve().parents[2]
# What a worker's view may ever hold of toyframe: the skeleton a submission builds on (an assignment
# names the files it needs, a subset). Never toyframe's Dropout or regularization, its cs231n
# functions or its two-layer net: they are model solutions.
WORKER_TOYFRAME = ("__init__.py", "_checks.py", "activations.py", "losses.py", "model.py", "layers/__init__.py",
                   "layers/linear.py", "layers/wrapper.py")
# What of a submission enters the view: a file of at most SUBMISSION_FILE_BYTES (a notebook or a zip, whose
# outputs or other members are mostly not read: ARCHIVE_FILE_BYTES), at most SUBMISSION_BYTES in all.
SUBMISSION_FILE_BYTES, ARCHIVE_FILE_BYTES, SUBMISSION_BYTES = 2 * 2**20, 32 * 2**20, 64 * 2**20
ARCHIVES = (".ipynb", ".zip")
READ = (".py", ".ipynb", ".zip")  # what reference.handin reads of a hand-in


def worker_modules(assignment_name):
    """The harness files a worker of `assignment_name` runs, relative to the checkout: the worker
    (reference.sandbox.worker), the assignment's worker half, and every module of `reference` they
    import, at any depth (read from their import statements, function-level ones included). The
    view holds these and nothing else of the harness: no check, mirror, hint, catalogue, course
    data or expected value, not even another assignment's worker half."""
    package = assignments.MODULES[assignment_name]
    pending = [ROOT / "reference" / "sandbox" / "worker.py", ROOT / "reference" / "assignments" / package / "worker.py"]
    found = {}
    while pending:
        path = pending.pop()
        relative = path.relative_to(ROOT).as_posix()
        if relative in found:
            continue
        found[relative] = path
        pending += _imported_files(path)
    return found


def _worker_toyframe(assignment_name):
    """The assignment worker half's WORKER_TOYFRAME, read from its source: building a view imports
    nothing of the assignment (whose package holds its trusted side)."""
    path = ROOT / "reference" / "assignments" / assignments.MODULES[assignment_name] / "worker.py"
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(target, "id", None) for target in node.targets] == ["WORKER_TOYFRAME"]:
            return ast.literal_eval(node.value)
    return ()


def _imported_files(path):
    """The files of `reference` that the module at `path` imports, with the __init__.py of each package on
    the way (a folder without one is a namespace package, as are a worker view's assignment folders)."""
    module = path.relative_to(ROOT).with_suffix("").parts
    package = module[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            target = base + (node.module.split(".") if node.module else [])
            names.append(target)
            names += [target + [alias.name] for alias in node.names]  # `from . import wire` names a module
    files = []
    for parts in names:
        if not parts or parts[0] != "reference":
            continue
        for depth in range(1, len(parts) + 1):
            stem = ROOT.joinpath(*parts[:depth])
            for candidate in (stem / "__init__.py", stem.with_suffix(".py")):
                if candidate.is_file() and not _is_trusted_package(candidate):
                    files.append(candidate)
    return files


def _is_trusted_package(path):
    """reference's own __init__.py (the trusted side's exports) and an assignment package's (its trusted
    side): a worker never runs them, reaching the modules below as those of namespace packages."""
    parts = path.relative_to(ROOT).parts
    return parts == ("reference", "__init__.py") or (
        len(parts) == 4 and parts[:2] == ("reference", "assignments") and parts[3] == "__init__.py")


def build_view(directory, assignment_name=assignments.DEFAULT, left_out=None):
    """The worker's world, a new folder (mode 755, files 644: readable by the worker's user, never
    writable by it): VIEW/reference (worker_modules(assignment_name) alone), VIEW/toyframe (the
    assignment's WORKER_TOYFRAME, of this module's WORKER_TOYFRAME), VIEW/submission (a copy of the
    submission's regular files, no links followed; at most SUBMISSION_FILE_BYTES each and
    SUBMISSION_BYTES in all, or the one file handed in; what the caps left out goes in `left_out`),
    VIEW/home (empty: the worker's HOME and working directory)."""
    view = Path(tempfile.mkdtemp(prefix="grading-view-"))
    try:
        for relative, path in worker_modules(assignment_name).items():
            _place(path, view / relative)
        for name in _worker_toyframe(assignment_name):
            if name not in WORKER_TOYFRAME:
                raise ValueError(f"toyframe/{name} may not enter a worker's view (see WORKER_TOYFRAME)")
            _place(ROOT / "toyframe" / name, view / "toyframe" / name)
        skipped = _copy_submission(Path(directory), view / "submission")
        if left_out is not None:
            left_out[:] = skipped
        (view / "home").mkdir()
        for folder, _, files in os.walk(view):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
    except BaseException:
        shutil.rmtree(view, ignore_errors=True)
        raise
    return view


def _place(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _copy_submission(source, target):
    """The submission's regular files (a folder's, or the one file handed in alone), within the caps;
    returns the paths left out for their size, for the student's feedback."""
    target.mkdir()
    if source.is_file() and not source.is_symlink():
        files = [(source.parent, source.name)]
    elif source.is_dir():  # iterative, depth-capped, no links followed (a tree 1000 folders deep is no recursion)
        files = [(Path(path).parent, Path(path).name) for _, path in walk(str(source))]
    else:
        return []
    total, left_out = 0, []
    # what the hand-in's reader reads first (a dataset beside the code must not crowd it out); only those
    # are said when left out
    files.sort(key=lambda entry: not entry[1].lower().endswith(READ))
    for folder, name in files:
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        cap = ARCHIVE_FILE_BYTES if name.lower().endswith(ARCHIVES) else SUBMISSION_FILE_BYTES
        if size > cap or total + size > SUBMISSION_BYTES:
            if name.lower().endswith(READ):
                left_out.append(f"{path.relative_to(source.parent if source.is_file() else source)}: too large "
                                f"({size} bytes), not read")
            continue
        destination = target / (name if source.is_file() else path.relative_to(source))
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        except OSError as error:  # a path too long for the view, a file that vanished: that file alone
            if name.lower().endswith(READ):
                left_out.append(f"{path.relative_to(source.parent if source.is_file() else source)}: could not "
                                f"be copied ({error.strerror or error}), not read")
            continue
        total += size
    return left_out
