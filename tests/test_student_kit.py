"""The student kit (python -m reference.autograder --student-kit): the harness and the visible parts' checks,
no solution and no catalogue, and its README's two commands grade a submission as the course does."""
import ast
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reference import assignments
from reference.autograder import build_student_kit
from reference.grading import course as courses
from tests.catalogue import two_layer

ROOT = Path(__file__).resolve().parent.parent
COURSE = '''
assignment = "two-layer"
[parts."Regularized cost"]
points = 2.0
[parts."Parameter update"]
visibility = "hidden"
'''
# Every graded class and function of the three assignments (docs/assignments/).
GRADED_NAMES = {"Dropout", "L2regularization", "L1regularization", "dropout_forward", "dropout_backward",
                "FullyConnectedNet", "forward_propagation_with_dropout", "compute_cost_with_regularization",
                "backward_propagation_with_dropout", "update_parameters"}


def _kit(tmp_path, course=COURSE):
    folder = tmp_path / "kit"
    with zipfile.ZipFile(build_student_kit(tmp_path / "kit.zip", courses.parse(course))) as archive:
        archive.extractall(folder)
        for info in archive.infolist():  # zipfile drops the mode: the scripts must stay executable
            os.chmod(folder / info.filename, info.external_attr >> 16 & 0o777)
    return folder


def _definitions(path):
    """The functions and classes `path` defines at its top (a submission's graded names are top-level)."""
    tree = ast.parse(path.read_text(), str(path))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


@pytest.mark.parametrize("assignment", list(assignments.MODULES))
def test_the_kit_holds_no_solution_and_no_catalogue(tmp_path, assignment):
    kit = _kit(tmp_path, f'assignment = "{assignment}"')
    files = sorted(path.relative_to(kit).as_posix() for path in kit.rglob("*") if path.is_file())
    assert {"run", "README.md", "course.toml", "pyproject.toml", "constraints.txt", "tests/test_assignment.py",
            "reference/grading/plugin.py", "reference/sandbox/worker.py"} <= set(files)
    assert not [name for name in files if name.startswith(("reference/catalogues", "tests/catalogue"))]
    assert not {"toyframe/layers/dropout.py", "toyframe/layers/regularization.py", "toyframe/functional.py",
                "toyframe/fc_net.py"} & set(files)
    assert not [name for name in files if name.startswith("toyframe/experiments")]
    defined = {name: _definitions(kit / name) & GRADED_NAMES for name in files if name.endswith(".py")}
    assert not {name: found for name, found in defined.items() if found}


def test_hidden_parts_are_absent_from_the_kit_checks_and_all(tmp_path):
    """The kit holds its own assignment's package alone, cut of the hidden part's entry, its check and the
    check's example, in whichever module they lived; its course file does not name the part."""
    kit = _kit(tmp_path)
    assignments_folder = kit / "reference" / "assignments"
    files = sorted(path.relative_to(assignments_folder).as_posix() for path in assignments_folder.rglob("*.py"))
    assert files[0] == "__init__.py" and all(name.startswith("two_layer/") for name in files[1:])
    assert {"two_layer/__init__.py", "two_layer/worker.py"} <= set(files)
    package = "".join((assignments_folder / name).read_text() for name in files)
    for gone in ("Parameter update", "def update_matches", "def _update_example"):
        assert gone not in package
    assert "Parameter update" not in (kit / "course.toml").read_text()
    for kept in ("def backward_matches_torch", "def cost_matches_torch", "def replay"):
        assert kept in package  # the visible parts' checks, the replay entry point
    assert "def _update(" in (assignments_folder / "two_layer" / "worker.py").read_text()  # a task


def _package_sources(name):
    folder = ROOT / "reference" / "assignments" / assignments.MODULES[name]
    return {path.name: path.read_text() for path in sorted(folder.glob("*.py")) if path.name != "worker.py"}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(assignments.MODULES))
def test_cutting_a_part_keeps_the_package_whole(name):
    """Every part of every assignment, cut alone: each module still compiles, the part's entry is gone and
    so is every check function no part left uses; the other parts' entries stay."""
    from reference.kit_pruning import package_without_parts
    sources = _package_sources(name)
    for part in assignments.get(name).PARTS:
        pruned = package_without_parts(sources, {part.name})
        for module, text in pruned.items():
            compile(text, module, "exec")
        assert f'Part("{part.name}"' not in pruned["__init__.py"]
        assert sum(map(len, pruned.values())) < sum(map(len, sources.values()))
        everything = "".join(pruned.values())
        for check in part.checks:
            function = getattr(check.run, "__name__", "")
            if function and function.isidentifier() and function not in ("run", "check"):
                # gone, unless a part left in uses it too (the net's checks run the forward's seed check)
                assert f"def {function}(" not in everything or everything.count(function) > 1, (part.name, function)
        for other in assignments.get(name).PARTS:
            if other is not part:
                assert f'Part("{other.name}"' in pruned["__init__.py"]
    with pytest.raises(ValueError, match="no Part called Nope"):
        package_without_parts(sources, {"Nope"})


# This interpreter inside a kit: its site-packages without their .pth files (-S), so that this checkout's
# editable install cannot lend the kit what it lacks (reference/catalogues); the kit's folder comes first.
SITE_PACKAGES = next(path for path in sys.path if path.endswith("site-packages"))
IN_KIT = [sys.executable, "-S"]


def _in_kit(kit, *arguments, **options):
    environment = {**os.environ, "PYTHONPATH": SITE_PACKAGES}
    return subprocess.run([*IN_KIT, *arguments], cwd=kit, capture_output=True, text=True, timeout=900,
                          env=environment, **options)


def _kit_grading(kit, submission=None, *options):
    """The kit's checks on `submission` (None: the model solution, which a kit cannot have)."""
    results = kit / "results.json"
    results.unlink(missing_ok=True)
    completed = _in_kit(kit, "-m", "pytest", "-p", "no:cacheprovider", "--hypothesis-profile=ci",
                        "--grading-config=course.toml", f"--results-json={results}", *options,
                        *([f"--submission={submission}"] if submission else []))
    return completed, json.loads(results.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("assignment", list(assignments.MODULES))
def test_nothing_in_the_kit_solves_its_assignment(tmp_path, assignment):
    """Graded without a submission, the kit has only its own code to offer (the model solution imports
    toyframe's implementations, which the kit leaves out): it earns nothing."""
    kit = _kit(tmp_path, f'assignment = "{assignment}"\nexamples_per_check = 3')
    _, document = _kit_grading(kit)
    assert document["score"] == 0 and all(test["score"] == 0 for test in document["tests"])


@pytest.mark.slow
def test_a_correct_submission_earns_every_visible_point_with_the_kit_and_a_wrong_one_gets_no_hint(tmp_path):
    kit = _kit(tmp_path)
    which = _in_kit(kit, "-c", "import reference; print(reference.__file__)", check=True)
    assert Path(which.stdout.strip()).is_relative_to(kit)
    right = next(entry for entry in two_layer.CORRECT if entry.name == "correct_tuple_cache_binomial")
    completed, document = _kit_grading(kit, right.write(tmp_path))
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert [(test["name"], test["score"]) for test in document["tests"]] == [
        ("Forward with dropout", 1.0), ("Regularized cost", 2.0), ("Backward with dropout", 1.0)]
    assert "Parameter update" not in completed.stdout
    wrong = next(entry for entry in two_layer.WRONG if entry.name == "mask_discarded_in_backward")
    completed, document = _kit_grading(kit, wrong.write(tmp_path))
    assert completed.returncode == 1 and document["tests"][2]["score"] == 0.0
    assert "Likely cause" not in json.dumps(document)  # the catalogue stays with the grader


@pytest.mark.slow
def test_the_kits_readme_commands_work_in_a_fresh_environment(tmp_path):
    """./run grade DIR and ./run test DIR, as the kit's README gives them, each setting itself up."""
    kit = _kit(tmp_path)
    readme = (kit / "README.md").read_text()
    assert "./run grade path/to/your/folder" in readme and "./run test path/to/your/folder" in readme
    right = next(entry for entry in two_layer.CORRECT if entry.name == "correct_tuple_cache_binomial")
    folder = right.write(tmp_path)
    environment = {**os.environ, "HARNESS_VENV": str(tmp_path / "venv")}
    environment.pop("PYTHONPATH", None)
    for command in ("test", "grade"):
        completed = subprocess.run(["./run", command, str(folder)], cwd=kit, capture_output=True, text=True,
                                   timeout=1800, env=environment)
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
        assert "Total                                 4.0 / 4.0" in completed.stdout
        assert "Parameter update" not in completed.stdout
    usage = subprocess.run(["./run", "grade"], cwd=kit, capture_output=True, text=True, env=environment)
    assert usage.returncode == 2 and "usage: ./run grade DIR" in usage.stderr
