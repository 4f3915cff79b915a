"""The main job: grade Dropout / L2regularization classes and print the points table.

    python -m reference.grade            # toyframe's own model solution: 3.0 / 3.0
"""
import argparse
import sys
import time

from hypothesis import settings as Settings

import toyframe

from .grading import format_table, grade, total_score
from .profiles import register_profiles


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reference.grade", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="grading", choices=("dev", "ci", "grading"),
                        help="hypothesis profile: how many scenarios each check draws (default: grading)")
    args = parser.parse_args(argv)
    register_profiles()
    settings = Settings.get_profile(args.profile)
    start = time.perf_counter()
    results = grade({"dropout": toyframe.Dropout, "l2": toyframe.L2regularization}, settings)
    for part in results:
        for result in part.results:
            mark = "PASS" if result.passed else "FAIL"
            print(f"[{mark}] {part.part.name}: {result.check}")
            if not result.passed:
                print("       " + result.message.replace("\n", "\n       "))
    print()
    print(format_table(results))
    print(f"\nGraded toyframe's model solution with the '{args.profile}' profile in {time.perf_counter() - start:.1f} s; "
          f"score {total_score(results):.1f}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
