"""A course file (reference.grading.course) sets points, visibility, strength and limits; results.json
carries them in Gradescope's Markdown format, and is valid at every moment of a grading."""
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from reference import assignments
from reference.autograder import build
from reference.grading import course as courses
from reference.grading.parts import CheckResult, Part, PartResult
from reference.grading.results import code_block, results_json
from reference.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parent.parent

EXAMPLE = '''
assignment = "nnti-7.4"
examples_per_check = 20

[limits]
total_seconds = 200
call_seconds = 5
memory_mb = 512

[parts."Dropout forward"]
points = 2.0

[parts."L2 regularization"]
points = 3.0
visibility = "after_published"
'''


def test_the_issue_example_sets_points_visibility_strength_and_limits():
    course = courses.parse(EXAMPLE)
    parts = course.graded_parts(assignments.get("nnti-7.4").PARTS)
    assert [(part.name, part.points, part.visibility) for part in parts] == [
        ("Dropout forward", 2.0, "visible"), ("Dropout backward", 0.5, "visible"),
        ("L2 regularization", 3.0, "after_published")]
    assert [len(part.checks) for part in parts] == [len(part.checks) for part in assignments.get("nnti-7.4").PARTS]
    assert course.examples_per_check == 20
    assert course.apply_limits(Limits()) == Limits(total_seconds=200.0, call_seconds=5.0, memory_bytes=512 * 2**20)


def test_without_a_file_every_part_keeps_its_points_and_is_visible():
    for name in assignments.MODULES:
        parts = assignments.get(name).PARTS
        assert courses.Course(name).graded_parts(parts) == parts


@pytest.mark.parametrize("text, where", [
    ('[parts."Dropout forwrd"]\npoints = 1', 'parts."Dropout forwrd": nnti-7.4 has no such part'),
    ('[parts."Dropout forward"]\npoints = -1', 'parts."Dropout forward".points: must be a number from 0'),
    ('[parts."Dropout forward"]\npoints = "2"', 'parts."Dropout forward".points'),
    ('[parts."Dropout forward"]\nvisibility = "private"', 'visibility: must be one of visible, hidden, after_due_date'),
    ('[parts."Dropout forward"]\npoint = 2', 'parts."Dropout forward".point: unknown key'),
    ('assignment = "nnti-7.5"', "assignment: unknown assignment 'nnti-7.5'"),
    ('examples_per_check = 0', "examples_per_check: must be a whole number"),
    ('examples_per_check = 2.5', "examples_per_check: must be a whole number"),
    ('[limits]\ncall_seconds = -3', "limits.call_seconds: must be a number"),
    ('[limits]\nmemory_mb = inf', "limits.memory_mb: must be a number"),
    ('[limits]\nwall = 3', "limits.wall: unknown key"),
    ('omit_parts = ["Dropout sideways"]', "omit_parts: must be a list of nnti-7.4's parts"),
    ('points = 3', "points: unknown key"),
    ('assignment = "nnti-7.4', "not valid TOML"),
])
def test_a_mistake_is_named_with_its_key(text, where):
    with pytest.raises(courses.CourseError, match="^course.toml: ") as raised:
        courses.parse(text, "course.toml")
    assert where in str(raised.value)


def test_omitted_parts_are_neither_graded_nor_listed():
    course = courses.parse('omit_parts = ["Dropout backward"]')
    parts = course.graded_parts(assignments.get("nnti-7.4").PARTS)
    assert [part.name for part in parts] == ["Dropout forward", "L2 regularization"]


def test_the_student_view_names_the_visible_parts_alone():
    course = courses.parse(EXAMPLE)
    text = courses.student_view(course)
    assert "L2 regularization" not in text
    kit = courses.parse(text)
    parts = kit.graded_parts(assignments.get("nnti-7.4").PARTS)
    assert [(part.name, part.points) for part in parts if part.name in kit.parts] == [
        ("Dropout forward", 2.0), ("Dropout backward", 0.5)]
    assert kit.limits == course.limits and kit.examples_per_check == 20


def _result(name, points, passed, visibility="visible", messages=(), hint=""):
    checks = tuple(CheckResult(name, f"check {index}", index >= len(messages), message, hint if message else "")
                   for index, message in enumerate([*messages, *[""] * passed]))
    return PartResult(Part(name, points, checks=(), visibility=visibility), checks)


def test_results_are_markdown_with_numbers_statuses_tags_and_hidden_parts_left_out_of_the_table():
    results = [_result("Dropout forward", 2.0, 2, messages=("x differs\n```\nnested fence\n```",)),
               _result("L2 regularization", 3.0, 1, visibility="hidden")]
    document = results_json(results, 1.23456, assignment="nnti-7.4")
    assert document["output_format"] == "md" and document["stdout_visibility"] == "hidden"
    assert document["score"] == 3.0 and document["execution_time"] == 1.235
    assert "| Dropout forward | 2/3 | 0.0 / 2.0 |" in document["output"]
    assert "L2 regularization" not in document["output"] and "3.0 more points" in document["output"]
    forward, l2 = document["tests"]
    assert (forward["number"], forward["status"], forward["visibility"], forward["tags"]) == (
        "1", "failed", "visible", ["nnti-7.4"])
    assert forward["extra_data"]["failed_checks"] == ["check 0"]
    assert "````text\nx differs\n```\nnested fence\n```\n````" in forward["output"]  # the fence outlasts the message's
    assert (l2["number"], l2["status"], l2["visibility"], l2["score"]) == ("2", "passed", "hidden", 3.0)


def test_a_likely_cause_is_set_below_the_message_in_words():
    results = [_result("Dropout backward", 0.5, 0, messages=("dx differs\nReplay: replay(...)",),
                       hint="the mask is not applied in backward")]
    output = results_json(results, 1.0, assignment="nnti-7.4")["tests"][0]["output"]
    assert output.endswith("```text\ndx differs\nReplay: replay(...)\n```\n**Likely cause:** the mask is not "
                           "applied in backward")


@pytest.mark.parametrize("text", ["plain", "``` three", "a ````` five"])
def test_a_code_block_is_closed_only_by_its_own_fence(text):
    block = code_block(text)
    fence = block.split("text\n", 1)[0]
    assert block.endswith("\n" + fence) and fence not in text


def _grade(tmp_path, *options, wait=True):
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--results-json={results}", *options]
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True), results
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    return completed, json.loads(results.read_text()) if results.exists() else None


@pytest.mark.slow
def test_the_grader_takes_points_visibility_and_strength_from_the_course_file(tmp_path):
    (tmp_path / "course.toml").write_text(
        'assignment = "two-layer"\nexamples_per_check = 3\n'
        '[parts."Regularized cost"]\npoints = 2.0\n[parts."Parameter update"]\nvisibility = "after_due_date"\n')
    completed, document = _grade(tmp_path, f"--grading-config={tmp_path / 'course.toml'}")
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert [(test["name"], test["max_score"], test["visibility"]) for test in document["tests"]] == [
        ("Forward with dropout", 1.0, "visible"), ("Regularized cost", 2.0, "visible"),
        ("Backward with dropout", 1.0, "visible"), ("Parameter update", 0.5, "after_due_date")]
    assert document["score"] == 4.5 and "Parameter update" not in document["output"]
    extra = document["extra_data"]
    assert extra["assignment"] == "two-layer" and extra["complete"] is True
    assert extra["profile"] == {"name": "grading+course", "max_examples": 3, "derandomize": True}
    assert set(extra["libraries"]) == {"python", "numpy", "torch", "hypothesis", "pytest"}
    assert extra["course_file"]["sha256"] and extra["harness_version"]


@pytest.mark.slow
def test_a_bad_course_file_stops_the_grader_with_its_reason(tmp_path):
    (tmp_path / "course.toml").write_text('[parts."L2 regularisation"]\npoints = 1\n')
    completed, document = _grade(tmp_path, f"--grading-config={tmp_path / 'course.toml'}")
    assert completed.returncode == 4 and document is None
    assert 'parts."L2 regularisation": nnti-7.4 has no such part' in completed.stderr
    completed, _ = _grade(tmp_path, "--assignment=two-layer", "--grading-config=" + str(tmp_path / "course.toml"))
    assert completed.returncode == 4


@pytest.mark.slow
def test_a_grader_stopped_midway_leaves_a_valid_file_with_the_parts_it_finished(tmp_path):
    """SIGKILL once the first part is written: the file says so, scores what finished, and the rest is
    marked not graded (tests/conftest.py also validates it against Gradescope's format)."""
    process, results = _grade(tmp_path, "--assignment=two-layer", "--hypothesis-profile=ci", wait=False)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            document = json.loads(results.read_text()) if results.exists() else None
            if document and document["tests"][0]["status"] == "passed":
                break
            assert process.poll() is None, "the grading ended before it could be stopped"
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    document = json.loads(results.read_text())
    assert document["extra_data"]["complete"] is False and "did not finish" in document["output"]
    assert document["tests"][0]["score"] == 1.0
    unfinished = [test for test in document["tests"] if test["score"] == 0]
    assert unfinished and all("Not graded" in test["output"] for test in unfinished)


@pytest.mark.slow
def test_the_autograder_zip_bakes_the_course_file_in(tmp_path):
    (tmp_path / "course.toml").write_text(EXAMPLE)
    completed = subprocess.run([sys.executable, "-m", "reference.autograder", "--config", str(tmp_path / "course.toml"),
                                "--output", str(tmp_path / "a.zip")], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.read("course.toml").decode() == EXAMPLE
        assert archive.read("assignment.txt").decode().strip() == "nnti-7.4"
        assert "--grading-config=course.toml" in archive.read("run_autograder").decode()
    (tmp_path / "bad.toml").write_text('[parts."Dropout forward"]\nvisibility = "soon"\n')
    completed = subprocess.run([sys.executable, "-m", "reference.autograder", "--config", str(tmp_path / "bad.toml"),
                                "--output", str(tmp_path / "b.zip")], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 2 and "visibility: must be one of" in completed.stderr
    assert not (tmp_path / "b.zip").exists()
    assert build(tmp_path / "c.zip", courses.parse(EXAMPLE)).exists()


def test_a_likely_cause_never_names_a_bug_said_to_cost_a_part_the_submission_earned():
    """Two known bugs reproduce a forward failure; the first would cost the backward too, which passed."""
    causes = (("no 1/keep_prob, in forward or backward", ("Backward with dropout", "Forward with dropout")),
              ("no 1/keep_prob in forward", ("Forward with dropout",)))
    forward = PartResult(Part("Forward with dropout", 1.0, checks=()),
                         (CheckResult("Forward with dropout", "A2", False, "A2 differs", "", causes),))
    backward = PartResult(Part("Backward with dropout", 1.0, checks=()),
                          (CheckResult("Backward with dropout", "grads", True),))
    output = results_json([forward, backward], 1.0, assignment="two-layer")["tests"][0]["output"]
    assert output.endswith("**Likely cause:** no 1/keep_prob in forward")
    lost_both = PartResult(backward.part, (CheckResult("Backward with dropout", "grads", False, "dW1 differs"),))
    output = results_json([forward, lost_both], 1.0, assignment="two-layer")["tests"][0]["output"]
    assert output.endswith("**Likely cause:** no 1/keep_prob, in forward or backward (or: no 1/keep_prob in forward)")
