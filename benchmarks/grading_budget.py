"""Grade correct and wrong submissions as Gradescope would and print each one's wall time and peak memory.

    python benchmarks/grading_budget.py [--assignment NAME ...] [--profile grading] [--cores 0] [--only NAME ...]

Each submission (of every assignment, or of those named) is written to a temporary folder and
graded by the contract, `python -m pytest --assignment NAME --submission DIR --results-json FILE`,
pinned to one core with taskset (the way Gradescope's default box, half a vCPU and 768 MB, runs
it), while the resident memory of the whole process tree (the trusted process with torch, and the
submission's worker) is sampled every 20 ms. Wrong code must fit the budget as well as right code: hypothesis shrinks every
failure it finds, and whatever a failing check leaves behind must not pile up.
Budget: 60 s wall, 600 MB peak. A report, not a test: the exit code is 0 whatever the figures.
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
from tests.catalogue import correct, cs231n_dropout, two_layer  # noqa: E402
from tests.submissions import as_submission_file, write_submission  # noqa: E402

WALL_BUDGET_S, MEMORY_BUDGET_MB = 60.0, 600.0


def _classes(dropout, l2):
    """nnti-7.4: a folder of the catalogue's two classes."""
    return lambda folder: write_submission(folder, dropout=as_submission_file(dropout, "Dropout"),
                                           l2=as_submission_file(l2, "L2regularization"))


def _entry(catalogue, name):
    """A file-based assignment: the catalogue's submission called `name`."""
    submission = next(entry for entry in catalogue if entry.name == name)
    return lambda folder: submission.write(folder)


# assignment: {name: write(folder) -> the submission's folder}
SUBMISSIONS = {
    "nnti-7.4": {
        "correct": _classes(correct.DropoutRandGreater, correct.L2UsesAlias),
        "correct, slow Python loops": _classes(correct.DropoutPythonLoops, correct.L2UsesAlias),
        "wrong: Dropout never drops": _classes(wrong_dropouts.ScalesWithoutDropping, correct.L2UsesAlias),
        "wrong: every part": _classes(wrong_dropouts.NoRescaling, wrong_l2.MissingFactorTwo),
        "wrong: drops everything": _classes(wrong_dropouts.DropsEverything, correct.L2UsesAlias),
    },
    "cs231n-dropout": {
        "correct": _entry(cs231n_dropout.CATALOGUE, "flat_canonical"),
        "correct, row loops": _entry(cs231n_dropout.CATALOGUE, "flat_plain_imports_row_loop"),
        "wrong: never drops": _entry(cs231n_dropout.CATALOGUE, "mode_typo_never_drops"),
        "wrong: every part": _entry(cs231n_dropout.CATALOGUE, "rescale_only_in_backward"),
        "wrong: softmax gradient": _entry(cs231n_dropout.CATALOGUE, "softmax_grad_not_averaged"),
    },
    "two-layer": {
        "correct": _entry(two_layer.CATALOGUE, "correct_upper_dict_bool_mask"),
        "correct, Python loops": _entry(two_layer.CATALOGUE, "correct_loops"),
        "wrong: mask per unit": _entry(two_layer.CATALOGUE, "mask_per_hidden_unit"),
        "wrong: no 1/keep_prob": _entry(two_layer.CATALOGUE, "no_inverse_scaling"),
        "wrong: mask lost in backward": _entry(two_layer.CATALOGUE, "mask_discarded_in_backward"),
    },
}


def tree_rss_mb(pid):
    """Resident memory of `pid` and all its descendants, in MB (from /proc)."""
    children, rss_of = {}, {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid_of = int(fields["Pid"])
        children.setdefault(int(fields["PPid"]), []).append(pid_of)
        rss_of[pid_of] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss_of.get(current, 0)
        stack.extend(children.get(current, []))
    return total / 1024


def measure(command):
    peak, done = [0.0], threading.Event()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.02)
    sampler = threading.Thread(target=sample, daemon=True)
    start = time.monotonic()
    sampler.start()
    output, _ = process.communicate()
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    return wall, peak[0], process.returncode, output


def grade(assignment, write, folder, profile, cores):
    submission = write(folder)
    results = Path(folder) / "results.json"
    command = ["taskset", "-c", cores, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               f"--hypothesis-profile={profile}", f"--assignment={assignment}", f"--submission={submission}",
               f"--results-json={results}"]
    wall, peak, code, output = measure(command)
    score = json.loads(results.read_text())["score"] if results.exists() else None
    return wall, peak, code, score, output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", nargs="+", choices=sorted(SUBMISSIONS), help="only these assignments")
    parser.add_argument("--profile", default="grading", choices=("dev", "ci", "grading"))
    parser.add_argument("--cores", default="0", help="the CPU list for taskset (default: one core, 0)")
    parser.add_argument("--only", nargs="+", help="grade only the submissions of these names")
    args = parser.parse_args(argv)
    print(f"profile {args.profile}, taskset -c {args.cores}; budget {WALL_BUDGET_S:.0f} s wall, "
          f"{MEMORY_BUDGET_MB:.0f} MB peak over the process tree")
    print(f"{'assignment':15} {'submission':28} {'score':>5} {'exit':>4} {'wall s':>7} {'peak MB':>8}  verdict")
    with tempfile.TemporaryDirectory() as scratch:
        for assignment in args.assignment or SUBMISSIONS:
            for index, (name, write) in enumerate(SUBMISSIONS[assignment].items()):
                if args.only and name not in args.only:
                    continue
                folder = Path(scratch) / f"{assignment}-{index}"
                wall, peak, code, score, output = grade(assignment, write, folder, args.profile, args.cores)
                verdict = "ok" if wall <= WALL_BUDGET_S and peak <= MEMORY_BUDGET_MB else "OVER BUDGET"
                print(f"{assignment:15} {name:28} {score if score is not None else '-':>5} {code:>4} {wall:7.1f} "
                      f"{peak:8.1f}  {verdict}", flush=True)
                if code not in (0, 1):  # 1: some check failed, which is a grade
                    print(output[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
