"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/), Markdown
throughout: the points table on top, one test per part (number, status, visibility, tags, each failed
check's message in a code block), the run's facts in extra_data, the grader's stdout hidden from students.

A part whose visibility is not "visible" (a course file sets it, reference.grading.course) is left out of
the top-level table, which students always see; its test carries its visibility for Gradescope to honour.
"""
import hashlib
import importlib.metadata
import math
import os
import platform
import re
import secrets
from pathlib import Path

from .parts import worded


LIBRARIES = ("numpy", "torch", "hypothesis", "pytest")
NOT_RUN = "not run"  # the message of a check without an outcome
NOT_GRADED = ("Not graded: the grader stopped before this part (its time budget, or a failure of the grader "
              "itself). Please tell course staff.")


def results_json(results, execution_time, *, assignment, complete=True, isolation=None, run=None, handin=()):
    """The document for `results` (PartResults, in the parts' order). complete=False: the grading is still
    under way, the parts without a result yet are reported as not graded."""
    lost = {result.part.name for result in results if result.score < result.part.points}
    graded = {result.part.name for result in results}
    tests = [_test(number, result, assignment, lost, graded, complete) for number, result in enumerate(results, 1)]
    output = markdown_table(results)
    if handin:
        output = f"{output}\n\n**How your hand-in was read**\n\n" + "\n".join(f"- {_inline(note)}" for note in handin)
    if isolation and isolation.get("refused"):
        output = f"**Grading was refused:** {isolation['refused']}\n\n{output}"
    if not complete:
        output = ("**The grading did not finish**: a part without a result was not graded (the grader's time "
                  f"budget, or a failure of the grader itself; please tell course staff).\n\n{output}")
    extra = {"assignment": assignment, "complete": complete, **(run or {})}
    if isolation:
        extra["isolation"] = isolation
    return {"score": math.fsum(result.score for result in results), "execution_time": round(execution_time, 3),
            "output": output, "output_format": "md", "test_output_format": "md", "stdout_visibility": "hidden",
            "tests": tests, "extra_data": extra}


def _inline(text):
    """A note in a Markdown list item: one line, its backticks kept as code spans, nothing else interpreted."""
    pieces = " ".join(str(text).split()).split("`")
    if len(pieces) % 2 == 0:  # an unpaired backtick: no code spans
        pieces = ["'".join(pieces)]
    return "`".join(piece if index % 2 else re.sub(r"([\\*_\[\]<>#|])", r"\\\1", piece)
                    for index, piece in enumerate(pieces))


def likely_cause(check, lost, graded, complete=True):
    """The check's likely cause in words, naming only known bugs that cost nothing this grading kept: a
    bug said to cost a part the submission earned (among the parts graded, once the grading is complete)
    would name the wrong bug. Without the bugs' parts (a hint as text alone), the hint as it is."""
    if not check.causes:
        return check.hint
    kept = [(description, parts) for description, parts in check.causes
            if not complete or not (set(parts) & graded) - lost]
    return worded(kept)


def _test(number, result, assignment, lost=frozenset(), graded=frozenset(), complete=True):
    part = result.part
    failed = [check for check in result.results if not check.passed]
    if all(check.message == NOT_RUN for check in result.results):
        blocks = [NOT_GRADED]
    else:
        blocks = [f"**{result.passed} of {len(result.results)} checks passed.**"]
        blocks += [_failure(check, likely_cause(check, lost, graded, complete)) for check in failed
                   if check.message != NOT_RUN]
        blocks += [f"Not run: {check.check}" for check in failed if check.message == NOT_RUN]
    return {"name": part.name, "number": str(number), "score": result.score, "max_score": part.points,
            "status": "failed" if failed else "passed", "visibility": part.visibility,
            "tags": [assignment, *([part.graded] if part.graded else [])],
            "output": "\n\n".join(blocks), "output_format": "md",
            "extra_data": {"checks": len(result.results), "failed_checks": [check.check for check in failed]}}


def _failure(check, hint):
    """A failed check in Markdown: its name, its message verbatim, and its likely cause (reference.grading.hints)
    in words below the block."""
    if not hint:
        return f"#### {check.check}\n{code_block(check.message)}"
    return f"#### {check.check}\n{code_block(check.message)}\n**Likely cause:** {hint}"


def code_block(text):
    """`text` verbatim in Markdown: a fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def markdown_table(results):
    """The points table (reference.grading.parts.format_table) in Markdown, visible parts only."""
    shown = [result for result in results if result.part.visibility == "visible"]
    rows = ["| Part | Checks passed | Points |", "| --- | ---: | ---: |"]
    rows += [f"| {_cell(result.part.name)} | {result.passed}/{len(result.results)} | "
             f"{result.score:.1f} / {result.part.points:.1f} |" for result in shown]
    rows.append(f"| **Total** | | **{sum(r.score for r in shown):.1f} / {sum(r.part.points for r in shown):.1f}** |")
    later = math.fsum(result.part.points for result in results if result not in shown)
    if later:
        rows.append(f"\nParts worth {later:.1f} more points are shown later, as course staff decided.")
    return "\n".join(rows)


def _cell(text):
    return text.replace("|", "\\|")


def run_facts(profile, course=None):
    """What a results.json records about the run: the harness's version, the hypothesis profile, the library
    versions, and the course file (its path and hash) when one set the grading."""
    facts = {"harness_version": _version("toyframe-harness"), "profile": profile,
             "libraries": {"python": platform.python_version(), **{name: _version(name) for name in LIBRARIES}}}
    if course is not None and course.source:
        facts["course_file"] = {"path": course.path, "sha256": hashlib.sha256(course.source.encode()).hexdigest()}
    return facts


def _version(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def write_atomically(path, text):
    """`text` into `path` through a new file in the same folder (O_CREAT | O_EXCL | O_NOFOLLOW, fsynced),
    renamed over it: whatever was at `path` (a file, a link, a FIFO) is replaced, never followed or
    written into, and a reader sees the old document or the new one, never half of one."""
    path = Path(path)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
