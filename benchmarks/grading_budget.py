"""Grade one correct submission as Gradescope would and print wall time and peak memory.

    python benchmarks/grading_budget.py [--profile grading] [--cores 0]

Runs `python -m pytest --submission DIR --results-json FILE` (DIR: a correct submission written
to a temporary folder) pinned to one core with taskset, the way Gradescope's default box (half a
vCPU, 768 MB) runs it, and samples the resident memory of the whole process tree (the trusted
process with torch, and the submission's worker) every 20 ms. Budget: 60 s wall, 600 MB peak.
A report, not a test: the exit code is 0 whatever the figures.
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

from tests.submissions import write_submission  # noqa: E402

WALL_BUDGET_S, MEMORY_BUDGET_MB = 60.0, 600.0


def tree_rss_mb(pid):
    """Resident memory of `pid` and all its descendants, in MB (from /proc)."""
    children = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        children.setdefault(int(fields["PPid"]), []).append((int(fields["Pid"]), fields.get("VmRSS", "0 kB")))
    total, stack = 0, [pid]
    rss_of = {p: rss for kids in children.values() for p, rss in kids}
    while stack:
        current = stack.pop()
        total += int(rss_of.get(current, "0 kB").split()[0])
        stack.extend(p for p, _ in children.get(current, []))
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="grading", choices=("dev", "ci", "grading"))
    parser.add_argument("--cores", default="0", help="the CPU list for taskset (default: one core, 0)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        submission = write_submission(Path(scratch) / "submission")
        results = Path(scratch) / "results.json"
        command = ["taskset", "-c", args.cores, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   f"--hypothesis-profile={args.profile}", f"--submission={submission}", f"--results-json={results}"]
        wall, peak, code, output = measure(command)
        score = json.loads(results.read_text())["score"] if results.exists() else None
    print(f"grading one correct submission, profile {args.profile}, taskset -c {args.cores}: exit {code}, score {score}")
    print(f"  wall time       {wall:7.1f} s   (budget {WALL_BUDGET_S:.0f} s: {'ok' if wall <= WALL_BUDGET_S else 'OVER'})")
    print(f"  peak memory     {peak:7.1f} MB  (budget {MEMORY_BUDGET_MB:.0f} MB, whole process tree: "
          f"{'ok' if peak <= MEMORY_BUDGET_MB else 'OVER'})")
    if code != 0:
        print(output[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
