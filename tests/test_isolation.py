"""The worker's walls hold: every attack on the grader works where no wall stands and fails in the worker.

Each attack (tests/submissions/attacks.py) is first run in a plain process against decoys, and
must do its damage there (so a refactor cannot make the test vacuous); then a submission runs it at
import inside the worker, against the real thing: files of the harness, of the grader's home and of
another student, the model solution in this checkout, the grader itself (this process).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from reference.sandbox import limits, processes, view
from reference.grading.results import write_atomically
from reference.sandbox.runners import IsolationRefused, SubmissionFailure, SubmissionRunner
from reference.sandbox.limits import Limits, WorkerIdentity
from reference.assignments import nnti_7_4
from tests.submissions import CORRECT_DROPOUT, write_submission
from tests.submissions.attacks import attacking_submission, control_script

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "toyframe" / "layers" / "dropout.py"
AS_ROOT = os.geteuid() == 0
LIMITS = Limits(call_seconds=5.0)
LEAVES_A_PROCESS = ("leave_a_process_in_a_new_session", "fork_a_child")
ATTACKS = ["truncate_files", "rewrite_in_place_through_mmap", "read_solution_through_dir_fd",
           "read_grader_environment", "kill_the_grader", "stop_the_grader_through_a_pidfd",
           "leave_a_process_in_a_new_session", "fork_a_child", "block_the_results_with_a_fifo", "call_home"]


class Scene:
    """Targets worth attacking, in a folder of their own: precious files, a solution, a listening port."""

    def __init__(self, folder, victim):
        self.folder = folder
        self.files = []
        for name in ("home/.bashrc", "other-student/layers/Dropout.py", "harness/reference/grading/parts.py"):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("precious\n")
            self.files.append(path)
        self.solution = folder / "checkout" / "toyframe" / "layers" / "dropout.py"
        self.solution.parent.mkdir(parents=True)
        self.solution.write_text("class Dropout:  # the model solution\n")
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.victim = victim
        self.fifo, self.marker = folder / "results" / "results.json", folder / "outlived"
        self.fifo.parent.mkdir()

    def targets(self, solution=None):
        return {"files": [str(path) for path in self.files], "solution": str(solution or self.solution),
                "victim": self.victim, "fifo": str(self.fifo), "port": self.listener.getsockname()[1],
                "marker": str(self.marker)}

    def connected(self):
        try:
            self.listener.accept()[0].close()
            return True
        except BlockingIOError:
            return False

    def damage(self, attack, victim_process=None):
        """What `attack` did here, each as a short phrase; [] when nothing."""
        if attack in LEAVES_A_PROCESS:
            time.sleep(1.5)  # the process left behind acts after a second
        found = [f"{path.name} changed" for path in self.files if path.read_text() != "precious\n"]
        found += ["a process outlived the attack"] * self.marker.exists() + ["a FIFO appeared"] * self.fifo.exists()
        found += ["the network was reached"] * self.connected()
        if victim_process is not None:
            state = _state(victim_process.pid)
            found += [f"the victim was signalled (state {state})"] * (state in ("T", "Z", None))
        return found


def _state(pid):
    status = processes.process_status(pid)
    return status and status[0]


@pytest.fixture
def world():
    """A folder the worker's user may enter (tmp_path is root's alone when tests run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="isolation-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def scene(world):
    made = Scene(world, None)
    yield made
    made.listener.close()


@pytest.mark.slow
@pytest.mark.parametrize("attack", ATTACKS)
def test_the_attack_works_without_walls(scene, attack):
    """The control: the same code in a plain process, against decoys and a decoy grader, does harm."""
    victim = subprocess.Popen(["sleep", "30"], env={"SECRET": "grader-secret"})
    scene.victim = victim.pid
    try:
        completed = subprocess.run([sys.executable, "-c", control_script(scene.targets(), [attack])],
                                   capture_output=True, text=True, timeout=30)
        outcome = json.loads(completed.stdout)[attack]
        damage = scene.damage(attack, victim)
    finally:
        victim.kill()
        victim.wait()
    assert outcome.startswith("done"), outcome
    if attack.startswith("read_"):
        assert "Dropout" in outcome or "grader-secret" in outcome, outcome
    else:
        assert damage, f"{attack} did nothing even without walls"


@pytest.mark.slow
@pytest.mark.parametrize("attack", ATTACKS)
def test_the_attack_fails_in_the_worker(world, scene, attack):
    """The real thing: this process is the grader; the solution is the one in this checkout."""
    submission = write_submission(world / "submission", dropout=attacking_submission(
        scene.targets(solution=SOLUTION), [attack]))
    runner = SubmissionRunner(submission, LIMITS, study_scale=1 / 256)
    try:
        outputs, _ = nnti_7_4.sample_masks(runner, 0.5, (4, 3), calls=1, seed=0)
        message = ""
    except SubmissionFailure as failure:
        outputs, message = None, str(failure)
    finally:
        runner.close()
    assert "LEAKED" not in message, message
    assert outputs is not None, message  # the attack was refused, and the identity Dropout answered
    assert scene.damage(attack) == []
    assert _state(os.getpid()) not in ("T", "Z")
    assert runner.leftovers == []
    assert runner.isolation["missing"] == ([] if AS_ROOT else [
        "user (the grader is not root: the worker runs as the grader's own user)"]), runner.isolation


def test_the_worker_proves_every_wall_and_reports_them(world):
    runner = SubmissionRunner(write_submission(world / "submission"), LIMITS)
    try:
        report = runner.isolation_report()
    finally:
        runner.close()
    assert set(report["proofs"].values()) == {"refused"}, report["proofs"]
    for layer in ("seccomp", "landlock", "no_new_privs", "rlimits", "pdeathsig"):
        assert report["layers"][layer], report
    assert bool(report["layers"]["user"]) == AS_ROOT


@pytest.mark.skipif(not AS_ROOT, reason="the grader refuses only when it runs as root")
def test_as_root_grading_refuses_a_worker_without_walls(world):
    """An interpreter without numpy cannot even report its walls: every call fails with the staff message."""
    runner = SubmissionRunner(write_submission(world / "submission"), LIMITS,
                              identity=WorkerIdentity("/usr/bin/python3", 65534, 65534))
    try:
        with pytest.raises(IsolationRefused, match="README.md, 'Install layout'"):
            nnti_7_4.sample_masks(runner, 0.5, (4, 3), calls=1, seed=0)
        with pytest.raises(IsolationRefused):
            nnti_7_4.trace(runner, None, "dropout")
    finally:
        runner.close()


@pytest.mark.slow
def test_a_submission_that_sleeps_under_each_deadline_is_stopped_by_the_total_budget(world):
    sleepy = CORRECT_DROPOUT.replace("        out = self.layer(x)\n", "        import time\n        time.sleep(0.6)\n"
                                     "        out = self.layer(x)\n")
    runner = SubmissionRunner(write_submission(world / "submission", dropout=sleepy),
                              Limits(call_seconds=3.0, total_seconds=3.0))
    start, messages = time.monotonic(), []
    try:
        for seed in range(20):
            try:
                nnti_7_4.sample_masks(runner, 0.5, (4, 3), calls=1, seed=seed)
            except SubmissionFailure as failure:
                messages.append(str(failure))
    finally:
        runner.close()
    assert time.monotonic() - start < 8
    assert messages and all("time budget" in message for message in messages), messages


def test_a_huge_reply_is_refused_without_reading_it(world):
    # The submission takes over the worker's task (anything in the worker is its to rewrite) to send 72 MB.
    huge = CORRECT_DROPOUT + ("\nimport sys\nfor _name, _module in list(sys.modules.items()):\n"
                              "    if _name.endswith('nnti_7_4.worker'):\n"
                              "        _module.TASKS['observe'] = lambda classes, **_: np.zeros((3000, 3000))\n")
    runner = SubmissionRunner(write_submission(world / "submission", dropout=huge), LIMITS)
    try:
        with pytest.raises(SubmissionFailure, match="frame of"):
            nnti_7_4.sample_masks(runner, 0.5, (4, 3), calls=1, seed=0)
    finally:
        runner.close()


def test_an_exception_text_is_cut_and_shows_only_the_submission_frames(world):
    loud = CORRECT_DROPOUT.replace("        out = self.layer(x)\n", "        raise ValueError('x' * 100000)\n")
    runner = SubmissionRunner(write_submission(world / "submission", dropout=loud), LIMITS)
    try:
        with pytest.raises(SubmissionFailure) as failure:
            nnti_7_4.sample_masks(runner, 0.5, (4, 3), calls=1, seed=0)
    finally:
        runner.close()
    message = str(failure.value)
    assert len(message) < 2100 and "ValueError" in message and "Dropout.py" in message
    assert "reference" not in message and "runner.py" not in message, message


def test_results_are_written_atomically_over_whatever_is_at_the_path(tmp_path):
    fifo, link, target = tmp_path / "fifo.json", tmp_path / "link.json", tmp_path / "elsewhere"
    os.mkfifo(fifo)
    target.write_text("keep")
    link.symlink_to(target)
    for path in (fifo, link):
        write_atomically(path, '{"score": 1}')  # a FIFO would block an open(); a link would be followed
        assert path.is_file() and not path.is_symlink() and json.loads(path.read_text()) == {"score": 1}
    assert target.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "fifo.json", "link.json"]


WORKER_PYTHON = os.environ.get("HARNESS_WORKER_PYTHON", limits.DEFAULT_WORKER_PYTHON)


@pytest.mark.skipif(not AS_ROOT or not os.access(WORKER_PYTHON, os.X_OK),
                    reason="needs root and the workers' world-readable interpreter (./run makes it)")
def test_the_grader_run_as_an_ordinary_user_grades_and_names_the_missing_wall(world):
    """A student's laptop: the grader is not root, so the worker keeps the grader's user, and says so."""
    for package in ("reference",):
        shutil.copytree(ROOT / package, world / "harness" / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in view.WORKER_TOYFRAME:
        (world / "harness" / "toyframe" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "toyframe" / name, world / "harness" / "toyframe" / name)
    write_submission(world / "submission")
    for folder, _, files in os.walk(world):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    # This interpreter (the workers') has neither hypothesis nor torch: the script uses the runner alone.
    script = ("import json, sys; sys.path.insert(0, sys.argv[1])\n"
              "from reference.sandbox.runners import SubmissionRunner\n"
              "runner = SubmissionRunner(sys.argv[2])\n"
              "import numpy as np\n"
              "from reference.core.scenario import LayerSpec, Scenario, Wrap\n"
              "layer = LayerSpec(np.full((3, 30), 0.5), np.full((1, 30), 0.25), (Wrap('dropout', 0.5),))\n"
              "scenario = Scenario(layers=(layer,), x=np.ones((40, 3)), loss='mse', targets=np.zeros((40, 30)),\n"
              "                    steps=0, passes=2)\n"
              "steps = runner.call('observe', scenario=scenario, graded='dropout')\n"
              "outputs = np.array([[step['forward']['output of Dropout 1 on layer 1'] for step in steps]])\n"
              "keep = outputs != 0\n"
              "runner.close()\n"
              "print(json.dumps({'shape': list(outputs.shape), 'kept': float(keep.mean()), **runner.isolation}))\n")
    completed = subprocess.run([WORKER_PYTHON, "-c", script, str(world / "harness"),
                                str(world / "submission")], capture_output=True, text=True, timeout=60,
                               user=65534, group=65534, extra_groups=[], cwd=world,
                               env={"PATH": "/usr/bin:/bin", "HOME": str(world)})
    assert completed.returncode == 0, completed.stderr[-2000:]
    report = json.loads(completed.stdout)
    assert report["shape"] == [1, 2, 40, 30] and 0.3 < report["kept"] < 0.7
    assert report["missing"] == ["user (the grader is not root: the worker runs as the grader's own user)"]
    assert set(report["proofs"].values()) == {"refused"}


def test_threads_still_work_in_the_worker(world):
    """clone with CLONE_THREAD stays allowed (numpy's and the submission's own threads)."""
    threaded = CORRECT_DROPOUT.replace("        out = self.layer(x)\n", (
        "        import threading\n        box = []\n"
        "        worker = threading.Thread(target=lambda: box.append(self.layer(x)))\n"
        "        worker.start()\n        worker.join()\n        out = box[0]\n"))
    assert "threading.Thread" in threaded
    runner = SubmissionRunner(write_submission(world / "submission", dropout=threaded), LIMITS)
    try:
        outputs, keep = nnti_7_4.sample_masks(runner, 0.5, (40, 30), calls=2, seed=0)
    finally:
        runner.close()
    assert outputs.shape == (1, 2, 40, 30) and 0.3 < keep.mean() < 0.7


# What a hostile submission of each file-based assignment earns: what it implements (every part but
# dropout's), nothing for a dropout that never drops, and no attack does any harm.
HOSTILE_EARNS = {"cs231n-dropout": {"Dropout forward": 0.0, "Dropout backward": 0.0, "Fully-connected net": 1.5},
                 "two-layer": {"Forward with dropout": 0.0, "Regularized cost": 0.5, "Backward with dropout": 0.0,
                               "Parameter update": 0.5}}


def _hostile_submission(name, folder, targets):
    from reference.catalogues import cs231n_dropout as catalogue_cs231n
    from reference.catalogues.submission import Submission
    from tests.catalogue import cs231n_dropout, two_layer
    from tests.submissions.attacks import attacking_cs231n_layers, attacking_two_layer_net
    if name == "cs231n-dropout":
        files = {"layers.py": attacking_cs231n_layers(targets, catalogue_cs231n._HEADER + catalogue_cs231n._BASICS_A),
                 "fc_net.py": cs231n_dropout.FC_NET_CANONICAL}
    else:
        files = {"two_layer_net.py": attacking_two_layer_net(targets, two_layer.UPPER_DICT)}
    return Submission("hostile", "every attack at import", files).write(folder)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(HOSTILE_EARNS))
def test_a_hostile_submission_of_each_assignment_harms_nothing_and_earns_only_what_it_implements(world, scene, name):
    from hypothesis import settings
    from reference import assignments
    from reference.grading.parts import grade
    assignment = assignments.get(name)
    solution = ROOT / "toyframe" / ("functional.py" if name == "cs231n-dropout" else "experiments/xor_quadrants.py")
    runner = SubmissionRunner(_hostile_submission(name, world, scene.targets(solution=solution)), LIMITS,
                              study_scale=1 / 256, assignment=assignment)
    try:
        results = grade(runner, assignment.PARTS, settings(max_examples=3, derandomize=True, database=None))
    finally:
        runner.close()
    text = "\n".join(check.message for result in results for check in result.results)
    assert {result.part.name: result.score for result in results} == HOSTILE_EARNS[name], text[:3000]
    assert "LEAKED" not in text and "grader-secret" not in text
    assert scene.damage("leave_a_process_in_a_new_session") == []
    assert _state(os.getpid()) not in ("T", "Z") and runner.leftovers == []
