"""Grade a folder of submissions on one machine, as Gradescope would grade each:

    python -m reference.batch SUBMISSIONS --output grades.csv [--jobs N] [--assignment NAME | --grading-config COURSE]

Every folder, .zip and .ipynb directly under SUBMISSIONS is one student's submission. Each is graded by the contract
(`python -m pytest --assignment NAME --submission DIR --results-json FILE`) in a process of its own,
whose worker has the same walls as any grading; run as root, the submissions graded at the same time
get workers of different users (BATCH_UIDS), so that no student's code can signal or trace another's.
A submission that hangs, crashes or cheats costs only its own row: its grading is killed after
--timeout seconds, and a grading that leaves no valid results.json scores 0 with the reason.

Writes the CSV (columns submission, total, one per part by its name, seconds, failed_checks) and,
beside it, a Markdown summary for staff with a histogram PNG (reference.batch.summary).
"""
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout (or unpacked autograder zip) holding tests/
GRADED_CHECKS = ROOT / "tests" / "test_assignment.py"
# Run as root, slot k's worker is user BATCH_UIDS + k (group likewise): unprivileged ids with no
# account, one per submission graded at a time. Slot 0 is the default user, nobody.
BATCH_UIDS = 61000
MARGIN_SECONDS = 120.0  # over the grading's own budget: start-up, shrinking, writing results


@dataclass
class Row:
    """One submission's line: its parts' scores in the order graded, or why there are none."""
    submission: str
    total: float = 0.0
    parts: dict = field(default_factory=dict)  # part name -> score
    maxima: dict = field(default_factory=dict)  # part name -> its points
    seconds: float = 0.0
    failed_checks: list = field(default_factory=list)  # "Part: check"
    error: str = ""  # the grading itself failed: timed out, no results


HANDED_IN_FILES = (".zip", ".ipynb")  # a file that is a whole submission by itself


def submissions_in(folder):
    """The submissions directly under `folder`, sorted: each folder, .zip and .ipynb (hidden entries and
    other files skipped). A student's row is named after it (a file's without its suffix)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder of submissions")
    found = sorted(path for path in folder.iterdir() if not path.name.startswith(".") and not path.is_symlink()
                   and (path.is_dir() or (path.is_file() and path.name.lower().endswith(HANDED_IN_FILES))))
    if not found:
        raise ValueError(f"{folder} holds no submission (one folder, .zip or .ipynb per student)")
    stems = [_row_name(path) for path in found]
    twice = sorted({stem for stem in stems if stems.count(stem) > 1})
    if twice:
        raise ValueError(f"{folder}: two submissions would share a row name ({', '.join(twice)}): rename one")
    return found


def _row_name(path):
    return path.name if path.is_dir() else path.name.rsplit(".", 1)[0]


def grading_command(submission, results, assignment=None, course=None, profile="grading"):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--hypothesis-profile={profile}",
               f"--submission={submission}", f"--results-json={results}"]
    if assignment:
        command.append(f"--assignment={assignment}")
    if course:
        command.append(f"--grading-config={course}")
    return command


def grade_one(submission, slot, assignment=None, course=None, profile="grading", timeout=540.0, results_dir=None):
    """The Row of `submission`, graded in a process group of its own (killed whole after `timeout` s);
    its results.json (each student's feedback) kept as results_dir/NAME.json when results_dir is given."""
    environment = dict(os.environ)
    if os.geteuid() == 0 and slot:
        environment["HARNESS_WORKER_UID"] = environment["HARNESS_WORKER_GID"] = str(BATCH_UIDS + slot)
    row = Row(_row_name(Path(submission)))
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        results = Path(scratch) / "results.json"
        start = time.monotonic()
        process = subprocess.Popen(grading_command(submission, results, assignment, course, profile), cwd=ROOT,
                                   env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            row.error = f"timed out after {timeout:g} s"
        finally:
            _kill_group(process)  # the worker follows its parent (PR_SET_PDEATHSIG)
            if os.geteuid() == 0 and (row.error or process.returncode not in (0, 1)):
                # a grading stopped midway cleaned nothing up: no IPC object of its worker's user passes to the next
                from ..sandbox.processes import remove_ipc_objects
                remove_ipc_objects(int(environment.get("HARNESS_WORKER_UID", 65534)))
        row.seconds = round(time.monotonic() - start, 1)
        document = _results(results)
        if results_dir is not None and document is not None:
            (Path(results_dir) / f"{row.submission}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    if document is None:
        row.error = row.error or f"the grading wrote no valid results.json (exit {process.returncode})"
        return row
    return _row_from(row, document)


def _kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _results(path):
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and isinstance(document.get("tests"), list) else None


def _row_from(row, document):
    """Fill `row` from a results.json the trusted grader wrote."""
    for test in document["tests"]:
        row.parts[test["name"]] = float(test.get("score", 0.0))
        row.maxima[test["name"]] = float(test.get("max_score", 0.0))
        failed = (test.get("extra_data") or {}).get("failed_checks", [])
        row.failed_checks += [f"{test['name']}: {check}" for check in failed]
    row.total = float(document.get("score", sum(row.parts.values())))
    if not (document.get("extra_data") or {}).get("complete", True):
        row.error = row.error or "the grading did not finish"
    return row


def grade_all(submissions, jobs=1, progress=None, **options):
    """A Row per submission (in the order given), `jobs` at a time, each slot with its own worker user;
    progress(row) after each one finishes."""
    slots = queue.SimpleQueue()
    for slot in range(jobs):
        slots.put(slot)

    def graded(submission):
        slot = slots.get()
        try:
            return grade_one(submission, slot, **options)
        finally:
            slots.put(slot)

    rows = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(graded, submission): submission for submission in submissions}
        for future in as_completed(futures):
            row = future.result()
            rows[futures[future]] = row
            if progress:
                progress(row)
    return [rows[submission] for submission in submissions]
