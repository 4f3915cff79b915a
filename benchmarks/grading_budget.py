"""Grade correct, wrong and memory-hoarding submissions as Gradescope would and print each one's wall time
and the peak memory of the whole process tree.

    python benchmarks/grading_budget.py [--assignment NAME ...] [--profile grading] [--cores 0] [--only NAME ...]

Each submission (of every assignment, or of those named) is written to a temporary folder and
graded by the contract, `python -m pytest --assignment NAME --submission DIR --results-json FILE`,
pinned to one core with taskset (the way Gradescope's default box, half a vCPU and 768 MB, runs
it). Gradescope's box counts every process in it, so the whole tree below the grading command (the
trusted process with torch, and the submission's worker) is sampled every 20 ms from /proc: the sum
of its resident memory (RSS, what `ps` shows; shared pages counted in each process) and of its
proportional set size (PSS: shared pages split, closer to a cgroup's count), the grader's own RSS
and the worker's resident and virtual peaks (VmHWM, VmPeak: what RLIMIT_AS bounds). "hostile: hoards
memory" is a correct submission that first takes all the memory its worker's limit allows and keeps all
it can while still earning its points (tests/submissions/hostile.py HOARD_MEMORY); "hoards all, wrong"
keeps all of it and is wrong, so that the grader's own peak (hypothesis shrinking its failures) meets
the worker's: the worst case the box must hold.
Wrong code must fit the budget as well as right code: hypothesis shrinks every failure it finds,
and whatever a failing check leaves behind must not pile up.
Budget: 60 s wall, 768 MB (MiB) for the tree's RSS. A report, not a test: the exit code is 0 whatever the figures.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reference.catalogues import wrong_dropouts, wrong_l2  # noqa: E402
from tests.catalogue import correct, cs231n_dropout, two_layer, whole_submission_catalogues  # noqa: E402
from tests.submissions import as_submission_file, write_submission  # noqa: E402
from tests.submissions.hostile import HOARD_ALL_MEMORY, HOARD_MEMORY, HOARDS_MEMORY_THEN_CORRECT  # noqa: E402

WALL_BUDGET_S, MEMORY_BUDGET_MB = 60.0, 768.0
SAMPLE_SECONDS = 0.02


def _classes(dropout, l2):
    """nnti-7.4: a folder of the catalogue's two classes."""
    return lambda folder: write_submission(folder, dropout=as_submission_file(dropout, "Dropout"),
                                           l2=as_submission_file(l2, "L2regularization"))


def _entry(catalogue, name, hoarding=None):
    """A file-based assignment: the catalogue's submission called `name` (with HOARD_MEMORY at the top
    of its file `hoarding`, if given)."""
    submission = next(entry for entry in catalogue if entry.name == name)

    def write(folder):
        path = submission.write(folder)
        if hoarding:
            (path / hoarding).write_text(HOARD_MEMORY + (path / hoarding).read_text())
        return path
    return write


# assignment: {name: write(folder) -> the submission's folder}
SUBMISSIONS = {
    "nnti-7.4": {
        "correct": _classes(correct.DropoutRandGreater, correct.L2UsesAlias),
        "correct, slow Python loops": _classes(correct.DropoutPythonLoops, correct.L2UsesAlias),
        "wrong: Dropout never drops": _classes(wrong_dropouts.ScalesWithoutDropping, correct.L2UsesAlias),
        "wrong: every part": _classes(wrong_dropouts.RescalesInBackwardOnly, wrong_l2.MissingFactorTwo),
        "wrong: drops everything": _classes(wrong_dropouts.DropsEverything, correct.L2UsesAlias),
        "hostile: hoards memory": lambda folder: write_submission(folder, dropout=HOARDS_MEMORY_THEN_CORRECT),
        # the grader's own peak is highest while hypothesis shrinks a wrong submission's failures
        "hostile: hoards all, wrong": lambda folder: write_submission(folder, dropout=HOARD_ALL_MEMORY + (
            as_submission_file(wrong_dropouts.DropsEverything, "Dropout"))),
    },
    "cs231n-dropout": {
        "correct": _entry(cs231n_dropout.CATALOGUE, "flat_canonical"),
        "correct, row loops": _entry(cs231n_dropout.CATALOGUE, "flat_plain_imports_row_loop"),
        "wrong: never drops": _entry(cs231n_dropout.CATALOGUE, "mode_typo_never_drops"),
        "wrong: both dropout parts": _entry(cs231n_dropout.CATALOGUE, "precedence_p_over_p"),
        "wrong: softmax gradient": _entry(cs231n_dropout.CATALOGUE, "softmax_grad_not_averaged"),
        "hostile: hoards memory": _entry(cs231n_dropout.CATALOGUE, "flat_canonical", hoarding="layers.py"),
    },
    "two-layer": {
        "correct": _entry(two_layer.CATALOGUE, "correct_upper_dict_bool_mask"),
        "correct, Python loops": _entry(two_layer.CATALOGUE, "correct_loops"),
        "wrong: mask per unit": _entry(two_layer.CATALOGUE, "mask_per_hidden_unit"),
        "wrong: no 1/keep_prob": _entry(two_layer.CATALOGUE, "no_inverse_scaling"),
        "wrong: mask lost in backward": _entry(two_layer.CATALOGUE, "mask_discarded_in_backward"),
        "hostile: hoards memory": _entry(two_layer.CATALOGUE, "correct_upper_dict_bool_mask",
                                         hoarding="two_layer_net.py"),
    },
}


def _from_catalogue(catalogue, hoarding):
    """An assignment named nowhere above: its catalogue's first correct and first wrong submission, and the
    correct one hoarding memory from the top of its file `hoarding` (the first file it holds)."""
    right = next(entry for entry in catalogue if not entry.loses)
    wrong = next((entry for entry in catalogue if entry.loses), None)
    return {"correct": _entry(catalogue, right.name),
            **({f"wrong: {wrong.name}": _entry(catalogue, wrong.name)} if wrong else {}),
            "hostile: hoards memory": _entry(catalogue, right.name, hoarding=hoarding or next(iter(right.files)))}


for _name, _catalogue in whole_submission_catalogues().items():
    SUBMISSIONS.setdefault(_name, _from_catalogue(_catalogue, None))


def _status(pid):
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _kb(fields, key):
    return int(fields.get(key, "0 kB").split()[0])


def _pss_kb(pid):
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:"))


def tree(pid):
    """The pids of `pid` and all its descendants (from /proc)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _is_worker(pid):
    try:
        return b"reference.sandbox.worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class Peaks:
    """The peaks, in MiB, of the tree below a process, sampled every SAMPLE_SECONDS."""
    FIELDS = ("tree_rss", "tree_pss", "grader_rss", "worker_rss", "worker_vm")

    def __init__(self):
        self.values = dict.fromkeys(self.FIELDS, 0.0)
        self.samples = 0

    def sample(self, root):
        rss = pss = 0
        for pid in tree(root):
            fields = _status(pid)
            if fields is None:
                continue
            rss += _kb(fields, "VmRSS")
            pss += _pss_kb(pid)
            if _is_worker(pid):  # VmHWM and VmPeak: the worker's own high-water marks, between samples too
                self._peak("worker_rss", _kb(fields, "VmHWM"))
                self._peak("worker_vm", _kb(fields, "VmPeak"))
            elif pid == root or "python" in fields.get("Name", ""):
                self._peak("grader_rss", _kb(fields, "VmHWM"))
        self._peak("tree_rss", rss)
        self._peak("tree_pss", pss)
        self.samples += 1

    def _peak(self, key, kilobytes):
        self.values[key] = max(self.values[key], kilobytes / 1024)


def measure(command):
    peaks, done = Peaks(), threading.Event()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def sample():
        while not done.is_set():
            peaks.sample(process.pid)
            time.sleep(SAMPLE_SECONDS)
    sampler = threading.Thread(target=sample, daemon=True)
    start = time.monotonic()
    sampler.start()
    output, _ = process.communicate()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    return wall, peaks, process.returncode, output


def grade(assignment, write, folder, profile, cores):
    submission = write(folder)
    results = Path(folder) / "results.json"
    command = ["taskset", "-c", cores, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--hypothesis-profile={profile}", f"--assignment={assignment}", f"--submission={submission}",
               f"--results-json={results}"]
    wall, peaks, code, output = measure(command)
    score = json.loads(results.read_text())["score"] if results.exists() else None
    return wall, peaks, code, score, output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", nargs="+", choices=sorted(SUBMISSIONS), help="only these assignments")
    parser.add_argument("--profile", default="grading", choices=("dev", "ci", "grading"))
    parser.add_argument("--cores", default="0", help="the CPU list for taskset (default: one core, 0)")
    parser.add_argument("--only", nargs="+", help="grade only the submissions of these names")
    args = parser.parse_args(argv)
    from reference.sandbox.limits import Limits
    print(f"profile {args.profile}, taskset -c {args.cores}; the worker's address space limit "
          f"{Limits().memory_bytes / 2**20:.0f} MiB; budget {WALL_BUDGET_S:.0f} s wall, {MEMORY_BUDGET_MB:.0f} MiB "
          "peak RSS over the process tree (the grader and every descendant); MiB throughout")
    print(f"{'assignment':15} {'submission':28} {'score':>5} {'exit':>4} {'wall s':>7} {'tree RSS':>8} "
          f"{'tree PSS':>8} {'grader':>7} {'worker':>7} {'wkr VM':>7}  verdict")
    with tempfile.TemporaryDirectory() as scratch:
        for assignment in args.assignment or SUBMISSIONS:
            for index, (name, write) in enumerate(SUBMISSIONS[assignment].items()):
                if args.only and name not in args.only:
                    continue
                folder = Path(scratch) / f"{assignment}-{index}"
                wall, peaks, code, score, output = grade(assignment, write, folder, args.profile, args.cores)
                peak = peaks.values
                verdict = "ok" if wall <= WALL_BUDGET_S and peak["tree_rss"] <= MEMORY_BUDGET_MB else "OVER BUDGET"
                print(f"{assignment:15} {name:28} {score if score is not None else '-':>5} {code:>4} {wall:7.1f} "
                      f"{peak['tree_rss']:8.1f} {peak['tree_pss']:8.1f} {peak['grader_rss']:7.1f} "
                      f"{peak['worker_rss']:7.1f} {peak['worker_vm']:7.1f}  {verdict}", flush=True)
                if code not in (0, 1):  # 1: some check failed, which is a grade
                    print(output[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
