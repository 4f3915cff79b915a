"""python -m reference.batch SUBMISSIONS --output CSV [--jobs N] ...: see reference.batch."""
import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from .. import assignments
from ..grading import course as courses
from ..sandbox.limits import Limits
from . import GRADED_CHECKS, MARGIN_SECONDS, grade_all, submissions_in
from .summary import maximum_score, write_csv, write_histogram, write_summary


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m reference.batch",
                                     description="Grade every submission folder under SUBMISSIONS: a CSV of "
                                                 "scores and a Markdown summary for staff.")
    parser.add_argument("submissions", metavar="SUBMISSIONS", help="a folder holding one folder per submission")
    parser.add_argument("--output", required=True, metavar="CSV", help="the CSV to write (one row per submission)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default 1)")
    parser.add_argument("--assignment", choices=list(assignments.MODULES), default=None,
                        help=f"the assignment (default {assignments.DEFAULT}, or the course file's)")
    parser.add_argument("--grading-config", metavar="COURSE", default=None, help="a course's TOML file")
    parser.add_argument("--profile", default="grading", help="the hypothesis profile (default grading; ci is quicker)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help=f"per submission, after which its grading is killed (default: the grading budget "
                             f"+ {MARGIN_SECONDS:g} s)")
    parser.add_argument("--summary", metavar="MD", default=None, help="the staff summary (default: CSV with .md)")
    parser.add_argument("--results-dir", metavar="DIR", default=None,
                        help="keep each submission's results.json (its feedback) as DIR/NAME.json")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    try:
        course = courses.load(args.grading_config) if args.grading_config else courses.Course(
            args.assignment or assignments.DEFAULT)
        submissions = submissions_in(args.submissions)
    except ValueError as error:
        parser.error(str(error))
    if args.assignment and args.assignment != course.assignment:
        parser.error(f"--assignment {args.assignment} but the course file configures {course.assignment}")
    if not GRADED_CHECKS.is_file():
        parser.error(f"{GRADED_CHECKS} is missing: run from a checkout or an unpacked autograder zip")
    timeout = args.timeout or course.apply_limits(Limits()).total_seconds + MARGIN_SECONDS
    output = Path(args.output)
    summary = Path(args.summary) if args.summary else output.with_suffix(".md")
    histogram = summary.with_suffix(".png")
    if args.results_dir:
        Path(args.results_dir).mkdir(parents=True, exist_ok=True)

    with tqdm(total=len(submissions), unit="submission", desc=f"grading {course.assignment}") as bar:
        def progress(row):
            bar.set_postfix_str(f"{row.submission}: {row.total:g}{' (' + row.error + ')' if row.error else ''}")
            bar.update()
        rows = grade_all(submissions, args.jobs, progress, assignment=args.assignment or course.assignment,
                         course=args.grading_config and str(Path(args.grading_config).resolve()),
                         profile=args.profile, timeout=timeout, results_dir=args.results_dir)

    write_csv(rows, output)
    maximum = maximum_score(rows) or 1.0
    write_histogram(rows, histogram, maximum)
    write_summary(rows, summary, histogram, maximum, course.assignment)
    failed = [row for row in rows if row.error]
    print(f"wrote {output}, {summary} and {histogram}: {len(rows)} submissions"
          + (f", {len(failed)} whose grading failed" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
