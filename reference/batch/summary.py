"""What a batch grading leaves for staff: the CSV (one row per submission), and a Markdown summary with
the score distribution (a histogram PNG beside it), each part's share of full marks, the most common
failed checks and the submissions whose grading failed."""
import collections
import csv
import math
import statistics
from pathlib import Path

FIXED_COLUMNS = ("submission", "total")
TRAILING_COLUMNS = ("seconds", "failed_checks")
COMMON_FAILURES = 10


def part_names(rows):
    """The parts, in the order the grader reported them (the first row that has them all)."""
    names = []
    for row in rows:
        names += [name for name in row.parts if name not in names]
    return names


def part_maxima(rows):
    return {name: max(row.maxima.get(name, 0.0) for row in rows) for name in part_names(rows)}


def maximum_score(rows):
    """The most points a submission can earn (0 when no grading reported its parts)."""
    return math.fsum(part_maxima(rows).values())


def write_csv(rows, path):
    parts = part_names(rows)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow([*FIXED_COLUMNS, *parts, *TRAILING_COLUMNS])
        for row in rows:
            failed = "; ".join(row.failed_checks + ([f"grading failed: {row.error}"] if row.error else []))
            writer.writerow([row.submission, _number(row.total), *(_number(row.parts[name]) if name in row.parts else ""
                                                                  for name in parts), _number(row.seconds), failed])


def _number(value):
    return f"{value:g}"


def write_histogram(rows, path, maximum):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot

    totals = [row.total for row in rows]
    width = 0.5 if maximum <= 10 else max(1.0, maximum / 20)
    edges = [index * width for index in range(int(math.ceil(maximum / width)) + 2)]
    figure, axes = pyplot.subplots(figsize=(6, 3.5))
    axes.hist(totals, bins=edges, align="left", rwidth=0.85, color="#4c72b0")
    axes.set(xlabel=f"total score (of {maximum:g})", ylabel="submissions", title=f"{len(rows)} submissions")
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def write_summary(rows, path, histogram, maximum, assignment=""):
    """The Markdown summary at `path`, linking `histogram` (a PNG in the same folder)."""
    totals = [row.total for row in rows]
    errors = [row for row in rows if row.error]
    lines = [f"# Batch grading{f': {assignment}' if assignment else ''}", "",
             f"{len(rows)} submissions graded, {len(errors)} whose grading failed (scored as written below).", "",
             "| | total (of {:g}) |".format(maximum), "| --- | ---: |"]
    for label, value in (("mean", statistics.fmean(totals)), ("median", statistics.median(totals)),
                         ("min", min(totals)), ("max", max(totals)),
                         ("full marks", sum(total >= maximum for total in totals))):
        lines.append(f"| {label} | {value:.2f} |" if label != "full marks" else f"| {label} | {value} |")
    lines += ["", "## Score distribution", "", f"![Score distribution]({Path(histogram).name})", "",
              "## Parts", "", "| Part | full marks | share |", "| --- | ---: | ---: |"]
    maxima = part_maxima(rows)
    for name in part_names(rows):
        full = sum(name in row.parts and row.parts[name] >= maxima[name] for row in rows)
        lines.append(f"| {_cell(name)} | {full} | {full / len(rows):.0%} |")
    failures = collections.Counter(check for row in rows for check in set(row.failed_checks))
    lines += ["", "## Most common failed checks", ""]
    if failures:
        lines += ["| Check | submissions | share |", "| --- | ---: | ---: |"]
        lines += [f"| {_cell(check)} | {count} | {count / len(rows):.0%} |"
                  for check, count in failures.most_common(COMMON_FAILURES)]
    else:
        lines.append("None: every check passed for every submission.")
    lines += ["", "## Gradings that failed", ""]
    lines += [f"- `{row.submission}`: {row.error}" for row in errors] or ["None."]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cell(text):
    return text.replace("|", "\\|")
