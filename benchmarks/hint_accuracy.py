"""How often "Likely cause:" names the right bug, on submissions written apart from the catalogues.

    python benchmarks/hint_accuracy.py FOLDER [--profile ci]

FOLDER holds labels.json ([{"assignment", "name", "correct", "bug", "part"}]) and FOLDER/ASSIGNMENT/NAME/,
each a submission as the assignment defines one. Each is graded in this process (they are trusted test
data, not students' code) with hints on, and a line is printed per submission: the score, the bug as
its author described it, and the hints given. Whether a hint names the author's bug is a judgement
(two descriptions of one bug differ in words): the totals count hints given; read the lines.
A report, not a test.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import settings  # noqa: E402

from reference import assignments  # noqa: E402
from reference.grading.hints import Hints  # noqa: E402
from reference.grading.parts import grade  # noqa: E402
from reference.grading.profiles import register_profiles  # noqa: E402
from reference.grading.in_process import InProcessRunner  # noqa: E402
from tests.catalogue import forget_submission_modules  # noqa: E402



def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--profile", default="ci")
    args = parser.parse_args(argv)
    register_profiles()
    settings.load_profile(args.profile)
    labels = json.loads((args.folder / "labels.json").read_text())
    counts = {"wrong, hinted": 0, "wrong, no hint": 0, "wrong, full marks": 0, "correct, full marks": 0,
              "correct, lost points": 0}
    for label in labels:
        module = assignments.get(label["assignment"])
        folder = args.folder / label["assignment"] / label["name"]
        forget_submission_modules()
        try:
            implementation = module.load_submission(str(folder))
            results = grade(InProcessRunner(implementation, module, study_scale=1 / 256), module.PARTS,
                            settings(), Hints(module))
        except Exception as error:  # noqa: BLE001 - a report: say so and go on
            print(f"{label['assignment']:15s} {label['name']:35s} could not be graded: {error}")
            continue
        score = sum(result.score for result in results)
        lost = [result.part.name for result in results if result.score < result.part.points]
        hints = sorted({line for result in results for check in result.results for line in check.message.splitlines()
                        if line.startswith("Likely cause:")})
        if label["correct"]:
            counts["correct, full marks" if not lost else "correct, lost points"] += 1
        else:
            counts["wrong, full marks" if not lost else "wrong, hinted" if hints else "wrong, no hint"] += 1
        print(f"{label['assignment']:15s} {label['name']:35s} {score:4.1f} lost {lost}\n"
              f"    bug:  {label['bug'] or '(correct)'}\n" + "".join(f"    hint: {hint}\n" for hint in hints), flush=True)
    print(counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
