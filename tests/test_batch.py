"""Batch grading (python -m reference.batch): one row per submission, a summary for staff, and a
submission that hangs, crashes or cheats costs only its own row."""
import csv
import json
import sys
import threading
import time
from pathlib import Path

import pytest

import reference.batch as batch
from reference.batch import Row, grade_all, submissions_in
from reference.batch.__main__ import main
from reference.batch.summary import maximum_score, write_csv, write_histogram, write_summary
from tests.catalogue import two_layer
from tests.submissions.handins import as_notebook, nested, zipped

PARTS = {"Forward with dropout": 1.0, "Regularized cost": 0.5, "Backward with dropout": 1.0, "Parameter update": 0.5}


def _row(name, scores, failed=(), error="", seconds=12.0):
    return Row(name, sum(scores), dict(zip(PARTS, scores)), dict(PARTS), seconds, list(failed), error)


ROWS = [_row("alice", (1.0, 0.5, 1.0, 0.5)),
        _row("bob", (1.0, 0.5, 0.0, 0.5), ["Backward with dropout: gradients match torch"]),
        _row("carol", (0.0, 0.5, 0.0, 0.5), ["Forward with dropout: A2 matches torch",
                                             "Backward with dropout: gradients match torch"]),
        _row("dave", (0.0, 0.0, 0.0, 0.0), error="timed out after 540 s", seconds=540.0)]


def test_the_csv_has_one_row_per_submission_and_a_column_per_part(tmp_path):
    write_csv(ROWS, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", newline="") as stream:
        table = list(csv.reader(stream))
    assert table[0] == ["submission", "total", *PARTS, "seconds", "failed_checks"]
    assert [line[:2] for line in table[1:]] == [["alice", "3"], ["bob", "2"], ["carol", "1"], ["dave", "0"]]
    assert table[2][2:6] == ["1", "0.5", "0", "0.5"] and table[2][6] == "12"
    assert table[3][-1] == "Forward with dropout: A2 matches torch; Backward with dropout: gradients match torch"
    assert table[4][-1] == "grading failed: timed out after 540 s"


def test_the_summary_gives_the_distribution_the_parts_and_the_common_failures(tmp_path):
    maximum = maximum_score(ROWS)
    write_histogram(ROWS, tmp_path / "grades.png", maximum)
    write_summary(ROWS, tmp_path / "grades.md", tmp_path / "grades.png", maximum, "two-layer")
    text = (tmp_path / "grades.md").read_text()
    assert (tmp_path / "grades.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert maximum == 3.0 and "![Score distribution](grades.png)" in text
    assert "| mean | 1.50 |" in text and "| median | 1.50 |" in text and "| full marks | 1 |" in text
    assert "| Backward with dropout | 1 | 25% |" in text
    assert "| Backward with dropout: gradients match torch | 2 | 50% |" in text
    assert "- `dave`: timed out after 540 s" in text


def test_submissions_are_the_folders_zips_and_notebooks_under_the_given_one(tmp_path):
    for name in ("b", "a", ".hidden"):
        (tmp_path / name).mkdir()
    (tmp_path / "notes.txt").write_text("not a submission")
    (tmp_path / "carol.zip").write_bytes(b"PK")
    (tmp_path / "dave.ipynb").write_text("{}")
    (tmp_path / "erin.ZIP").symlink_to(tmp_path / "carol.zip")
    assert [path.name for path in submissions_in(tmp_path)] == ["a", "b", "carol.zip", "dave.ipynb"]
    with pytest.raises(ValueError, match="holds no submission"):
        submissions_in(tmp_path / "a")
    with pytest.raises(ValueError, match="is not a folder of submissions"):
        submissions_in(tmp_path / "missing")
    (tmp_path / "a.zip").write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"share a row name \(a\)"):
        submissions_in(tmp_path)


@pytest.mark.parametrize("arguments, message", [
    (["MISSING", "--output", "g.csv"], "is not a folder of submissions"),
    (["EMPTY", "--output", "g.csv"], "holds no submission"),
    (["EMPTY", "--output", "g.csv", "--jobs", "0"], "--jobs must be at least 1"),
    (["EMPTY", "--output", "g.csv", "--assignment", "nnti-7.5"], "invalid choice"),
])
def test_bad_input_stops_with_a_usage_error(tmp_path, capsys, arguments, message):
    (tmp_path / "EMPTY").mkdir()
    with pytest.raises(SystemExit) as raised:
        main([str(tmp_path / argument) if argument.isupper() else argument for argument in arguments])
    assert raised.value.code == 2 and message in capsys.readouterr().err


def test_submissions_graded_at_once_never_share_a_worker_user(monkeypatch):
    running, seen, lock = set(), [], threading.Lock()

    def fake_grade_one(submission, slot, **options):
        with lock:
            assert slot not in running
            running.add(slot)
            seen.append(slot)
        time.sleep(0.02)
        with lock:
            running.remove(slot)
        return Row(str(submission))
    monkeypatch.setattr(batch, "grade_one", fake_grade_one)
    rows = grade_all([f"s{index}" for index in range(12)], jobs=3)
    assert [row.submission for row in rows] == [f"s{index}" for index in range(12)] and set(seen) == {0, 1, 2}


def test_each_slot_but_the_first_gives_its_worker_a_user_of_its_own(monkeypatch, tmp_path):
    environments = []

    class FakeProcess:
        pid, returncode = -1, 0

        def __init__(self, command, env, **options):
            environments.append(env)

        def wait(self, timeout=None):
            return 0
    monkeypatch.setattr(batch.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(batch, "_kill_group", lambda process: None)
    monkeypatch.setattr(batch.os, "geteuid", lambda: 0)
    monkeypatch.delenv("HARNESS_WORKER_UID", raising=False)
    for slot in range(3):
        row = batch.grade_one(tmp_path, slot)
        assert row.error.startswith("the grading wrote no valid results.json")
    assert [env.get("HARNESS_WORKER_UID") for env in environments] == [None, "61001", "61002"]
    assert [env.get("HARNESS_WORKER_GID") for env in environments] == [None, "61001", "61002"]


def test_a_grading_that_outlives_its_timeout_is_killed_and_costs_its_row(monkeypatch, tmp_path):
    """The grader has deadlines of its own; this is the batch's last word, should it hang anyway."""
    marker = tmp_path / "outlived"
    sleeper = f"import time, pathlib; time.sleep(30); pathlib.Path({str(marker)!r}).write_text('x')"
    monkeypatch.setattr(batch, "grading_command", lambda *arguments, **options: [sys.executable, "-c", sleeper])
    start = time.monotonic()
    row = batch.grade_one(tmp_path, 0, timeout=1.0)
    assert row.error == "timed out after 1 s" and row.total == 0 and time.monotonic() - start < 10
    time.sleep(0.5)
    assert not marker.exists()


CHEATER = '''
import os, signal
for attempt in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                lambda: open("/tmp/batch-results-forged.json", "w").write('{"score": 99}'),
                lambda: print("Total 99.0 / 3.0")):
    try:
        attempt()
    except Exception:
        pass
'''


def _submissions(folder):
    """Two-layer submissions: right, wrong, one that does not parse, one that hangs at import, one that
    attacks the grader at import and is otherwise right; the right one again as a zip of a folder and as
    a notebook that trains forever at its top level."""
    for name in ("correct_tuple_cache_binomial", "mask_discarded_in_backward"):
        next(entry for entry in two_layer.CATALOGUE if entry.name == name).write(folder)
    right = next(entry for entry in two_layer.CORRECT if entry.name == "correct_tuple_cache_binomial")
    zipped(nested(folder / ".to_zip", right.files), folder / "zipped.zip")
    (folder / "notebook.ipynb").write_text((as_notebook(folder / ".notebook", right.files) / "homework.ipynb").read_text())
    for name, text in (("crash", "def forward_propagation_with_dropout(:\n"), ("hang", "while True:\n    pass\n"),
                       ("cheat", CHEATER + right.files["two_layer_net.py"])):
        (folder / name).mkdir()
        (folder / name / "two_layer_net.py").write_text(text)


@pytest.mark.slow
def test_a_folder_of_submissions_each_costing_only_its_own_row(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    _submissions(submissions)
    course = tmp_path / "course.toml"
    course.write_text('assignment = "two-layer"\n[limits]\ncall_seconds = 5\n')
    assert main([str(submissions), "--output", str(tmp_path / "grades.csv"), "--grading-config", str(course),
                 "--profile", "ci", "--jobs", "2", "--timeout", "45", "--results-dir", str(tmp_path / "feedback")]) == 0
    with open(tmp_path / "grades.csv", newline="") as stream:
        table = {line["submission"]: line for line in csv.DictReader(stream)}
    assert {name: float(line["total"]) for name, line in table.items()} == {
        "cheat": 3.0, "correct_tuple_cache_binomial": 3.0, "crash": 0.0, "hang": 0.0,
        "mask_discarded_in_backward": 2.0, "zipped": 3.0, "notebook": 3.0}
    assert table["mask_discarded_in_backward"]["Backward with dropout"] == "0"
    assert table["mask_discarded_in_backward"]["failed_checks"].startswith("Backward with dropout: ")
    assert table["hang"]["failed_checks"].startswith("Forward with dropout: ")  # the grader's own deadlines
    assert not Path("/tmp/batch-results-forged.json").exists()
    feedback = json.loads((tmp_path / "feedback" / "mask_discarded_in_backward.json").read_text())
    assert "**Likely cause:**" in feedback["tests"][2]["output"]  # each student's feedback, hint included
    summary = (tmp_path / "grades.md").read_text()
    assert "7 submissions graded, 0 whose grading failed" in summary and (tmp_path / "grades.png").is_file()
    assert "grading two-layer" in capsys.readouterr().err  # tqdm's bar
