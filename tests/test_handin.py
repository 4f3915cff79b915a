"""Hand-ins as students make them (reference/handin/): notebooks, folders as uploaded, zips, and bad input.

The same code handed in as .py files, as a notebook, one folder down with the debris of zipping, or as a
zip is the same code graded: each assignment's tasks answer alike (default tier), and a notebook whose
other cells train forever or exit is graded in full in normal time through the worker (slow tier).
"""
import io
import json
import os
import stat
import zipfile

import numpy as np
import pytest

from reference import assignments
from reference.handin import tree as tree_module
from reference.handin.handin import HandIn, report
from reference.handin.notebooks import NotebookError, read_notebook
from reference.handin.sources import HandInError, Wanted
from reference.grading.in_process import InProcessRunner
from reference.grading.parts import grade
from reference.sandbox.limits import Limits
from reference.sandbox.runners import SubmissionRunner
from tests.catalogue import cs231n_dropout, forget_submission_modules, two_layer
from tests.submissions import CORRECT_DROPOUT, CORRECT_L2
from tests.submissions.handins import as_notebook, cell, nested, notebook, zipped

WANTED = Wanted("two_layer_net.py", ("forward_propagation_with_dropout",), places=("two_layer_net.py",))


@pytest.fixture(autouse=True)
def _modules_left_as_found():
    yield
    forget_submission_modules()


def _entry(catalogue, name):
    return next(entry for entry in catalogue.CATALOGUE if entry.name == name)


# What each assignment's correct submission is, as {path: source}, and a task that shows its graded code.
NNTI_FILES = {"layers/Dropout.py": CORRECT_DROPOUT, "layers/L2regularization.py": CORRECT_L2}
CORRECT = {"nnti-7.4": NNTI_FILES,
           "cs231n-dropout": _entry(cs231n_dropout, "flat_canonical").files,
           "two-layer": _entry(two_layer, "correct_upper_dict_bool_mask").files}


def _write(folder, files):
    for relative, source in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return folder


def _layouts(files, tmp_path):
    """The same files as .py at their places, as a notebook, one folder down with debris, and as a zip."""
    flat = _write(tmp_path / "py", files)
    return {"py": flat, "notebook": as_notebook(tmp_path / "notebook", files),
            "nested": nested(tmp_path / "nested", files),
            "zip": zipped(nested(tmp_path / "to_zip", files), tmp_path / "handin.zip")}


def _answer(name, directory):
    """What the graded code answers to one fixed call of each graded function or class."""
    loaded = assignments.get(name).load_submission(str(directory))
    runner = InProcessRunner(loaded, assignments.get(name))
    x = np.linspace(-2, 2, 24).reshape(4, 6)
    if name == "two-layer":
        parameters = {"W1": x[:3, :2] * 0.5, "b1": np.zeros((3, 1)), "W2": x[:1, :3], "b2": np.zeros((1, 1))}
        forward = runner.call("forward", X=x[:2, :5], parameters=parameters, keep_prob=0.7, seed=3)
        return [forward["A2"], runner.call("cost", A2=forward["A2"] * 0 + 0.3, Y=np.ones((1, 5)),
                                           parameters=parameters, lambd=0.1)]
    if name == "cs231n-dropout":
        return [runner.call("dropout_forward", x=x, p=0.6, mode="train", seed=None, rng_seed=5),
                runner.call("dropout_backward", dout=x)]
    from reference.core.strategies import designed_dropout_model, designed_l2_model
    return [runner.call("observe", scenario=designed_dropout_model(seed=1, index=0, steps=1, passes=1), graded="dropout"),
            runner.call("observe", scenario=designed_l2_model(seed=1, steps=2, passes=1), graded="l2")]


def _same(first, second):
    if isinstance(first, dict):
        return first.keys() == second.keys() and all(_same(first[key], second[key]) for key in first)
    if isinstance(first, (list, tuple)):
        return len(first) == len(second) and all(_same(a, b) for a, b in zip(first, second))
    return np.array_equal(np.asarray(first), np.asarray(second))


# ---- Every layout is the same code graded ---------------------------------------------------------------

@pytest.mark.parametrize("name", list(CORRECT))
def test_the_same_code_as_py_files_a_notebook_a_nested_folder_or_a_zip_answers_alike(name, tmp_path):
    layouts = _layouts(CORRECT[name], tmp_path)
    answers = {}
    for layout, directory in layouts.items():
        forget_submission_modules()
        answers[layout] = _answer(name, directory)
    for layout, answer in answers.items():
        assert _same(answer, answers["py"]), f"{name}: the {layout} hand-in answers differently"


def test_a_notebook_runs_only_its_definitions_and_says_which_cells_it_skipped(tmp_path):
    draft = "def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    return 'a first draft'\n"
    final = "def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    return 'the last one'\n"
    (tmp_path / "hw.ipynb").write_text(notebook(
        "%matplotlib inline\nimport numpy as np\nimport not_a_module_here\n", draft,
        "open('/etc/passwd')\nwhile True:\n    pass\n", "%%bash\necho hi\n",
        "def broken(:\n    pass\n", "KEEP = 0.8\nSHAPE = (2, 3)\nact = lambda z: np.tanh(z)\nmodel = build()\nEPS = np.finfo(float).eps\n"
        "trained = np.load('weights.npy')\nrun = trainer.fit(KEEP)\n", final))
    handin = HandIn(tmp_path)
    module = handin.load(WANTED, "two_layer_net")
    assert module.forward_propagation_with_dropout(None, None) == "the last one"
    assert (module.KEEP, module.SHAPE, module.act(0.0), module.EPS) == (0.8, (2, 3), 0.0, np.finfo(float).eps)
    assert not hasattr(module, "model") and not hasattr(module, "run") and not hasattr(module, "trained")
    notes = "\n".join(report())
    assert "graded the notebook hw.ipynb for two_layer_net.py" in notes
    assert "top-level code of cells 4, 7 was not run" in notes
    assert "cell 5: a `%%bash` cell, not Python: skipped" in notes
    assert "cell 6: a syntax error at line 1" in notes
    assert "not_a_module_here (cell 2)" in notes
    assert "cell 7, line 6: `trained = np.load('weights.npy')` raised FileNotFoundError" in notes


def test_a_notebook_error_names_its_cell_and_line(tmp_path):
    (tmp_path / "hw.ipynb").write_text(notebook(
        "def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    x = 1\n    return x / 0\n"))
    module = HandIn(tmp_path).load(WANTED, "two_layer_net")
    with pytest.raises(ZeroDivisionError) as raised:
        module.forward_propagation_with_dropout(None, None)
    frame = raised.traceback[-1]
    assert str(frame.path).endswith("hw.ipynb [cell 2]") and frame.lineno + 1 == 3
    assert "return x / 0" in str(frame.statement)


def test_outputs_and_attachments_are_never_read_and_nbformat_3_is_read():
    huge = {"output_type": "stream", "name": "stdout", "text": ["def forward_propagation_with_dropout(): pass\n"] * 3}
    document = {"cells": [cell("x = 1\n", outputs=[huge])], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    assert not read_notebook(json.dumps(document).encode(), "a.ipynb", "/x/a.ipynb").defines - {"x"}
    old = {"worksheets": [{"cells": [{"cell_type": "code", "input": ["def f():\n", "    return 1\n"]}]}],
           "nbformat": 3}
    assert "f" in read_notebook(json.dumps(old).encode(), "old.ipynb", "/x/old.ipynb").defines


@pytest.mark.parametrize("content, says", [
    (b'{"cells": [', "not valid JSON"), (b"\xff\xfe\x00garbage", "not valid JSON"), (b"[1, 2]", "not an object"),
    (b'{"nbformat": 4}', "no list of cells"), (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
])
def test_a_malformed_notebook_is_one_plain_sentence(content, says):
    with pytest.raises(NotebookError, match=says):
        read_notebook(content, "hw.ipynb", "/x/hw.ipynb")


def test_a_malformed_notebook_among_good_files_is_noted_and_the_rest_grades(tmp_path):
    (tmp_path / "broken.ipynb").write_bytes(b'{"cells": [')
    (tmp_path / "two_layer_net.py").write_text("def forward_propagation_with_dropout(X, p, k=0.5):\n    return 1\n")
    assert HandIn(tmp_path).load(WANTED, "two_layer_net").forward_propagation_with_dropout(0, 0) == 1
    assert any("broken.ipynb is not a readable notebook" in note for note in report())
    forget_submission_modules()
    (tmp_path / "two_layer_net.py").unlink()
    with pytest.raises(HandInError, match="holds broken.ipynb"):
        HandIn(tmp_path).load(WANTED, "two_layer_net")
    assert any("broken.ipynb is not a readable notebook" in note for note in report())


# ---- Finding the graded files -------------------------------------------------------------------------

def _handin(tmp_path, files):
    for relative, content in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return HandIn(tmp_path)


GOOD = "def forward_propagation_with_dropout(X, p, k=0.5):\n    return 'good'\n"
OTHER = "def forward_propagation_with_dropout(X, p, k=0.5):\n    return 'other'\n"


def test_the_shallowest_file_of_the_expected_name_is_graded_and_the_others_are_said(tmp_path):
    handin = _handin(tmp_path, {"hw/two_layer_net.py": GOOD, "hw/old/two_layer_net.py": OTHER,
                                "hw/.ipynb_checkpoints/two_layer_net.py": OTHER,
                                "__MACOSX/hw/._two_layer_net.py": b"\x00\x05junk"})
    assert handin.load(WANTED, "two_layer_net").forward_propagation_with_dropout(0, 0) == "good"
    assert any("graded hw/two_layer_net.py; not graded: hw/old/two_layer_net.py" in note for note in report())


def test_two_different_candidates_at_one_depth_compete_and_identical_copies_do_not(tmp_path):
    with pytest.raises(HandInError, match=r"2 different candidates compete \(a/two_layer_net.py, b/two_layer_net.py\)"):
        _handin(tmp_path / "1", {"a/two_layer_net.py": GOOD, "b/two_layer_net.py": OTHER}).find(WANTED)
    found = _handin(tmp_path / "2", {"a/two_layer_net.py": GOOD, "b/two_layer_net.py": GOOD}).find(WANTED)
    assert found.path == "a/two_layer_net.py"


def test_a_file_under_another_name_or_case_is_found_by_what_it_defines(tmp_path):
    assert _handin(tmp_path / "1", {"Two_Layer_Net.py": GOOD}).find(WANTED).path == "Two_Layer_Net.py"
    handin = _handin(tmp_path / "2", {"hw2/solution.py": GOOD, "hw2/utils.py": "def helper():\n    pass\n"})
    assert handin.find(WANTED).path == "hw2/solution.py"
    assert any("two_layer_net.py was not handed in: graded hw2/solution.py" in note for note in report())


def test_a_py_file_is_graded_before_a_notebook_defining_the_same_names_and_the_note_says_so(tmp_path):
    handin = _handin(tmp_path, {"two_layer_net.py": GOOD, "hw.ipynb": notebook(OTHER)})
    assert handin.load(WANTED, "two_layer_net").forward_propagation_with_dropout(0, 0) == "good"
    assert any("hw.ipynb also defines forward_propagation_with_dropout: two_layer_net.py was graded" in note
               for note in report())


def test_a_missing_file_lists_what_was_found_and_what_is_expected(tmp_path):
    with pytest.raises(HandInError) as raised:
        _handin(tmp_path, {"README.txt": "hi", "hw/notes.md": "x", "hw/helpers.py": "X = 1\n"}).find(WANTED)
    message = str(raised.value)
    assert message.startswith("two_layer_net.py was not found: the submission holds hw/helpers.py, README.txt, hw/notes.md")
    assert "or a notebook (.ipynb) whose code cells define forward_propagation_with_dropout" in message


@pytest.mark.parametrize("content, says", [
    ("", "two_layer_net.py is empty"), ("   \n\n", "two_layer_net.py is empty"),
    ("def forward_propagation_with_dropout(X, p, k=0.5)\n    return 1\n",
     "a syntax error in two_layer_net.py, line 1: expected ':'"),
])
def test_an_empty_or_unparsable_file_is_one_plain_sentence_naming_file_and_line(tmp_path, content, says):
    with pytest.raises(HandInError, match=says):
        _handin(tmp_path, {"two_layer_net.py": content}).load(WANTED, "two_layer_net")


def test_a_file_that_is_not_utf8_is_read_and_the_student_told(tmp_path):
    text = "# r\xe9sum\xe9 of my work\n" + GOOD
    module = _handin(tmp_path, {"two_layer_net.py": text.encode("latin-1")}).load(WANTED, "two_layer_net")
    assert module.forward_propagation_with_dropout(0, 0) == "good"
    assert "two_layer_net.py is not UTF-8 text: read as Windows-1252 (save it as UTF-8)" in report()


def test_the_hand_ins_other_modules_are_imported_from_it(tmp_path):
    handin = _handin(tmp_path, {"hw/reg_utils.py": "def sigmoid(z):\n    return 'from reg_utils'\n",
                                "hw/two_layer_net.py": "from reg_utils import sigmoid\n" + GOOD})
    module = handin.load(WANTED, "two_layer_net")
    assert module.sigmoid(0) == "from reg_utils"


def test_the_nnti_class_under_another_name_costs_its_part_alone(tmp_path):
    folder = _write(tmp_path, {"Dropout.py": CORRECT_DROPOUT.replace("class Dropout", "class MyDropout"),
                               "L2regularization.py": CORRECT_L2})
    loaded = assignments.get("nnti-7.4").load_submission(str(folder))
    with pytest.raises(HandInError, match=r"Dropout.py defines no class Dropout \(it defines MyDropout\)"):
        loaded["dropout"]()
    assert isinstance(loaded["l2"], type)


# ---- Archives: unpacked in memory, within caps --------------------------------------------------------

def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, zipfile.ZipInfo):
                archive.writestr(content, b"whatever")
            else:
                archive.writestr(name, content)
    return path


def test_a_zip_is_read_in_memory_and_its_traversals_links_and_debris_are_refused(tmp_path):
    link = zipfile.ZipInfo("hw/two_layer_net.py.link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    link_py = zipfile.ZipInfo("hw/evil.py")
    link_py.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path / "hw.zip", {"hw/two_layer_net.py": GOOD, "../../etc/evil.py": "X = 1\n",
                                         "/abs/evil.py": "X = 1\n", "hw/evil.py": link_py,
                                         "__MACOSX/hw/._two_layer_net.py": b"\x00junk", "hw/data.bin": b"\x00" * 10})
    read = tree_module.read_tree(str(tmp_path))
    assert set(read.files) == {"hw.zip/hw/two_layer_net.py"}
    assert any("a path outside the archive" in note and "hw/evil.py (a link)" in note for note in read.notes)
    assert not (tmp_path / "etc").exists() and not os.path.exists("/abs/evil.py")
    assert HandIn(str(archive)).find(WANTED).path == "hw.zip/hw/two_layer_net.py"  # a zip handed in alone


def test_a_zip_bomb_costs_at_most_the_caps(tmp_path, monkeypatch):
    monkeypatch.setattr(tree_module, "MEMBER_BYTES", 2**20)
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.py", b"#" * (8 * 2**20))  # 8 MiB of comment, a few KiB compressed
        for index in range(3):
            archive.writestr(f"copy{index}.py", b"#" * (2**20 - 1))
    monkeypatch.setattr(tree_module, "ARCHIVE_READ_BYTES", 2 * 2**20 + 10)
    read = tree_module.read_tree(str(tmp_path))
    assert "bomb.zip/big.py" not in read.files and read.archive_bytes <= 2 * 2**20 + 10
    assert any("big.py (too large: 8388608 bytes)" in note for note in read.notes)


def test_a_member_larger_than_its_header_says_is_not_read(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("two_layer_net.py", GOOD)
    data = bytearray(buffer.getvalue())
    size = len(GOOD)
    for offset in [i for i in range(len(data) - 4) if data[i:i + 4] == size.to_bytes(4, "little")]:
        data[offset:offset + 4] = (4).to_bytes(4, "little")  # both headers now claim 4 bytes
    (tmp_path / "liar.zip").write_bytes(bytes(data))
    read = tree_module.read_tree(str(tmp_path))
    assert all(len(content) <= 4 for content in read.files.values())


def test_archives_nest_two_deep_and_no_further_and_garbage_is_a_note(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("two_layer_net.py", GOOD)
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
    _zip(tmp_path / "outer.zip", {"middle.zip": middle.getvalue()})
    (tmp_path / "not_a.zip").write_bytes(b"PK\x03\x04 but nothing else")
    read = tree_module.read_tree(str(tmp_path))
    assert not read.files
    assert any("outer.zip/middle.zip/inner.zip: an archive inside an archive" in note for note in read.notes)
    assert any("not_a.zip: not a readable zip archive" in note for note in read.notes)


def test_links_in_the_folder_are_not_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("def forward_propagation_with_dropout(X, p, k=0.5):\n    return 'secret'\n")
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "two_layer_net.py").symlink_to(secret)
    (tmp_path / "hw" / "up").symlink_to(tmp_path, target_is_directory=True)
    assert set(tree_module.read_tree(str(tmp_path / "hw")).files) == set()


# ---- Through the worker, walls up ---------------------------------------------------------------------

def _graded(name, directory):
    assignment = assignments.get(name)
    runner = SubmissionRunner(directory, Limits(), assignment=assignment)
    try:
        results = grade(runner, assignment.PARTS, None)
        return results, runner.handin_report()
    finally:
        runner.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CORRECT))
def test_a_correct_notebook_that_trains_forever_at_top_level_earns_every_point_through_the_worker(name, tmp_path):
    results, notes = _graded(name, as_notebook(tmp_path / "hand-in", CORRECT[name]))
    assert [result.score for result in results] == [result.part.points for result in results], [
        (check.check, check.message[:300]) for result in results for check in result.results if not check.passed]
    assert any("was not run" in note for note in notes)


@pytest.mark.slow
def test_a_buggy_notebook_loses_exactly_its_parts_and_a_zip_of_a_nested_folder_earns_every_point(tmp_path):
    buggy = _entry(two_layer, "mask_per_hidden_unit")
    results, _ = _graded("two-layer", as_notebook(tmp_path / "buggy", buggy.files))
    assert {result.part.name for result in results if result.score < result.part.points} == set(buggy.loses)
    archive = zipped(nested(tmp_path / "nested", CORRECT["cs231n-dropout"]), tmp_path / "hand-in.zip")
    results, notes = _graded("cs231n-dropout", archive)
    assert [result.score for result in results] == [result.part.points for result in results], notes


@pytest.mark.slow
def test_a_notebook_too_large_for_the_view_is_said_and_a_deep_one_costs_nothing_but_its_grade(tmp_path):
    big = tmp_path / "big"
    big.mkdir()
    (big / "hw.ipynb").write_text(notebook("x = 1\n") + " " * (33 * 2**20))
    results, notes = _graded("two-layer", big)
    assert sum(result.score for result in results) == 0
    assert any(note.startswith("hw.ipynb: too large (") and note.endswith("bytes), not read") for note in notes), notes
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep / "hw.ipynb").write_text('{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}")
    results, notes = _graded("two-layer", deep)
    assert sum(result.score for result in results) == 0
    assert any("hw.ipynb" in note for note in notes), notes



def test_the_workers_notes_are_feedback_only_checked_and_cut():
    from reference.sandbox.runners import HANDIN_NOTE_CHARACTERS, HANDIN_NOTES, handin_notes
    assert handin_notes({"not": "a list"}) == [] and handin_notes(None) == []
    notes = handin_notes(["x" * 10_000, 3, {"a": 1}, *["n"] * 100])
    assert len(notes) <= HANDIN_NOTES and all(isinstance(note, str) for note in notes)
    assert len(notes[0]) == HANDIN_NOTE_CHARACTERS


def test_results_json_lists_how_the_hand_in_was_read_below_the_points():
    from reference.grading.results import results_json
    document = results_json([], 1.0, assignment="two-layer", handin=[
        "hw.ipynb: the other top-level code of cells 4, 7 was not run", "graded `my_net.py` for **two_layer_net.py**"])
    output = document["output"]
    assert output.index("| Part |") < output.index("**How your hand-in was read**")
    assert "- graded `my_net.py` for \\*\\*two\\_layer\\_net.py\\*\\*" in output


def test_a_function_with_the_wrong_signature_is_one_plain_sentence(tmp_path):
    from reference.handin.signatures import SignatureMismatch
    (tmp_path / "two_layer_net.py").write_text(
        "def forward_propagation_with_dropout(X, parameters):\n    return X, None\n")
    loaded = assignments.get("two-layer").load_submission(str(tmp_path))
    runner = InProcessRunner(loaded, assignments.get("two-layer"))
    parameters = {name: np.zeros(shape) for name, shape in (("W1", (3, 2)), ("b1", (3, 1)), ("W2", (1, 3)),
                                                            ("b2", (1, 1)))}
    with pytest.raises(SignatureMismatch, match=r"forward_propagation_with_dropout\(X, parameters\) cannot take the "
                                                r"assignment's call forward_propagation_with_dropout\(X, parameters, "
                                                r"keep_prob\): too many positional arguments"):
        runner.call("forward", X=np.zeros((2, 4)), parameters=parameters, keep_prob=0.5, seed=1)


# ---- The sixth red team's hand-ins (the reader) --------------------------------------------------------

def test_a_tree_thousands_of_folders_deep_is_walked_without_recursion_and_only_so_deep(tmp_path):
    from reference.sandbox.view import build_view
    deep = tmp_path / "hand-in"
    folders = [deep]
    for _ in range(1200):  # made and removed one level at a time: os.makedirs and shutil.rmtree recurse
        folders[-1].mkdir()
        folders.append(folders[-1] / "d")
    (deep / "two_layer_net.py").write_text(GOOD)
    (folders[-2] / "buried.py").write_text("X = 1\n")
    try:
        assert set(tree_module.read_tree(str(deep)).files) == {"two_layer_net.py"}
        view = build_view(deep, "two-layer", left_out=[])
        try:
            assert (view / "submission" / "two_layer_net.py").is_file()
        finally:
            import shutil
            shutil.rmtree(view)
    finally:
        (folders[-2] / "buried.py").unlink()
        for folder in reversed(folders[1:-1]):
            folder.rmdir()


def test_a_notebook_in_nbformat_3_is_read_as_jupyter_reads_it():
    shown = {"cell_type": "code", "input": [OTHER]}
    hidden = {"cell_type": "code", "source": [GOOD]}
    document = {"nbformat": 3, "worksheets": [{"cells": [shown]}], "cells": [hidden]}
    notebook = read_notebook(json.dumps(document).encode(), "a.ipynb", "/x/a.ipynb")
    assert len(notebook.cells) == 1 and "other" in "".join(notebook.cells[0].lines)


def test_a_constant_that_calls_anything_but_numpy_or_math_is_not_run(tmp_path):
    (tmp_path / "hw.ipynb").write_text(notebook(
        "import numpy as np\n", "np = exec\nRAN = np('import os; RAN_CODE = 1')\n", GOOD,
        "import numpy as np\nEPS = np.finfo(float).eps\nbad = np.apply_along_axis(print, 0, np.zeros(1))\n"))
    module = HandIn(tmp_path).load(WANTED, "two_layer_net")
    assert not hasattr(module, "RAN") and not hasattr(module, "RAN_CODE") and not hasattr(module, "bad")
    assert module.EPS == np.finfo(float).eps
    assert sum("calls something other than numpy's or math's functions" in note for note in report()) == 2


def test_a_course_helper_sharing_one_name_does_not_outrank_the_notebook_defining_them_all(tmp_path):
    names = ("forward_propagation_with_dropout", "update_parameters")
    wanted = Wanted("two_layer_net.py", names)
    handin = _handin(tmp_path, {"reg_utils.py": "def update_parameters(p, g, lr):\n    return 'helper'\n",
                                "hw.ipynb": notebook(GOOD, "def update_parameters(p, g, lr):\n    return p\n")})
    assert handin.find(wanted).path == "hw.ipynb"


def test_a_notebooks_copy_with_other_outputs_is_the_same_code(tmp_path):
    first = json.loads(notebook(GOOD))
    copy = json.loads(notebook(GOOD))
    copy["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran again\n"]}]
    handin = _handin(tmp_path, {"hw.ipynb": json.dumps(first), "hw-Copy1.ipynb": json.dumps(copy)})
    assert handin.find(WANTED).path == "hw-Copy1.ipynb"


def test_ipython_help_lines_and_writefile_cells(tmp_path):
    handin = _handin(tmp_path / "1", {"hw.ipynb": notebook("import numpy as np\nnp.random.rand?\n" + GOOD)})
    assert handin.load(WANTED, "two_layer_net").forward_propagation_with_dropout(0, 0) == "good"
    forget_submission_modules()
    handin = _handin(tmp_path / "2", {"hw.ipynb": notebook("%%writefile two_layer_net.py\n" + GOOD,
                                                           "import two_layer_net\n")})
    assert handin.load(WANTED, "two_layer_net").forward_propagation_with_dropout(0, 0) == "good"
    assert "graded the %%writefile two_layer_net.py cell of hw.ipynb" in report()


def test_a_notebook_exported_as_a_script_is_read_as_the_notebook(tmp_path):
    exported = ("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nget_ipython().run_line_magic('matplotlib', "
                "'inline')\nimport numpy as np\n\n\n# In[2]:\n\n\n" + GOOD + "\n\n# In[3]:\n\n\nwhile True:\n    pass\n")
    module = _handin(tmp_path, {"two_layer_net.py": exported}).load(WANTED, "two_layer_net")
    assert module.forward_propagation_with_dropout(0, 0) == "good"
    assert "two_layer_net.py is a notebook exported as a script: read as a notebook" in report()


def test_an_nnti_file_imports_its_siblings_in_the_hand_in(tmp_path):
    dropout = CORRECT_DROPOUT.replace("import numpy as np\n", "import numpy as np\nfrom .checks import LIMIT\n", 1)
    folder = _write(tmp_path, {"layers/Dropout.py": dropout, "layers/checks.py": "LIMIT = 1.0\n",
                               "layers/L2regularization.py": CORRECT_L2})
    loaded = assignments.get("nnti-7.4").load_submission(str(folder))
    assert isinstance(loaded["dropout"], type) and isinstance(loaded["l2"], type)


def test_a_zip_whose_directory_lists_a_million_members_is_refused_before_it_is_listed(tmp_path):
    import struct
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 65535, 65535, 100 * 2**20, 0, 0)
    (tmp_path / "bomb.zip").write_bytes(end)
    (tmp_path / "two_layer_net.py").write_text(GOOD)
    read = tree_module.read_tree(str(tmp_path))
    assert any("bomb.zip" in note and "not opened" in note for note in read.notes)
    assert set(read.files) == {"two_layer_net.py"}
