"""The schema of Gradescope's results.json (tests/gradescope) that every results file the suite writes is
validated against (tests/conftest.py): it is a valid schema, takes the spec's documents and turns down
realistic mistakes, so that validation can fail."""
import copy
import json
import os

import pytest
from jsonschema import Draft202012Validator, ValidationError

from reference.assignments.nnti_7_4 import PARTS
from reference.grading.parts import CheckResult, PartResult
from reference.grading.results import results_json
from tests.gradescope import SCHEMA_PATH, invalid_results, validate

# Every field the spec names, at the top and on a test.
FULL = {
    "score": 2.5, "execution_time": 136.2, "output": "**2.5 / 3.0**", "output_format": "md",
    "test_output_format": "ansi", "test_name_format": "html", "visibility": "after_due_date",
    "stdout_visibility": "hidden", "extra_data": {"assignment": "nnti-7.4", "complete": True},
    "tests": [
        {"score": 1.0, "max_score": 1.0, "status": "passed", "name": "Dropout forward", "name_format": "text",
         "number": "1.1", "output": "8 of 8 checks passed.", "output_format": "simple_format",
         "tags": ["nnti-7.4", "dropout"], "visibility": "visible", "extra_data": {"checks": 8}},
        {"score": 0.0, "max_score": 0.5, "status": "failed", "name": "Dropout backward",
         "visibility": "after_published"},
        {"name": "Compilation check", "status": "passed"},  # informational: a status, no score
    ],
    "leaderboard": [{"name": "Accuracy", "value": 0.926}, {"name": "Time", "value": 15.1, "order": "asc"},
                    {"name": "Stars", "value": "*****", "order": "desc"}],
}
DROP = object()


def _changed(*changes):
    """FULL with each (path, value) applied; the value DROP removes the key."""
    document = copy.deepcopy(FULL)
    for path, value in changes:
        *parents, last = path
        target = document
        for key in parents:
            target = target[key]
        if value is DROP:
            del target[last]
        else:
            target[last] = value
    return document


def test_the_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert "gradescope-autograders.readthedocs.io/en/latest/specs" in schema["$comment"]


@pytest.mark.parametrize("document", [
    FULL,
    {"score": 0},  # the least the spec allows: a score alone
    {"tests": [{"score": 1, "max_score": 1}]},  # the score on the tests alone
    # the spec's "Test case status" example: informational checks beside a scored test, no top-level score
    {"tests": [{"name": "Compilation check", "status": "passed"}, {"name": "Style check", "status": "failed"},
               {"name": "Test 3", "score": 5, "max_score": 10, "status": "passed"}]},
], ids=["every field", "a score alone", "scores on the tests", "informational checks"])
def test_the_specs_documents_are_valid(document):
    validate(document)


@pytest.mark.parametrize("document, where", [
    (_changed((("score",), "2.5")), "$.score"),
    (_changed((("score",), True)), "$.score"),  # a bool is no number in JSON Schema
    (_changed((("tests", 0, "status"), "ok")), "$.tests[0].status"),
    (_changed((("visibility",), "private")), "$.visibility"),
    (_changed((("output_format",), "markdown")), "$.output_format"),
    (_changed((("tests", 0, "name"), None)), "$.tests[0].name"),
    (_changed((("tests", 0, "number"), 1)), "$.tests[0].number"),
    (_changed((("tests", 0, "tags"), "dropout")), "$.tests[0].tags"),
    (_changed((("tests", 1, "passed"), False)), "$.tests[1]"),  # no such field: additionalProperties
    (_changed((("extra_data",), [])), "$.extra_data"),
    (_changed((("leaderboard", 1, "order"), "ascending")), "$.leaderboard[1].order"),
    # no score anywhere: a test with a max_score but no score leaves the grade undefined
    (_changed((("score",), DROP), (("tests", 1, "score"), DROP)), "$.tests[1]"),
    ({"tests": []}, "$.tests"),
], ids=["score as a string", "score as a bool", "status ok", "visibility private", "output_format markdown",
        "test name null", "test number an int", "tags a string", "unknown test field", "extra_data a list",
        "leaderboard order ascending", "no score anywhere", "no score and no tests"])
def test_wrong_documents_are_rejected_at_the_offending_field(document, where):
    with pytest.raises(ValidationError) as error:
        validate(document)
    assert error.value.message.startswith(f"{where}: "), error.value.message


@pytest.mark.parametrize("complete", [True, False])
def test_the_document_the_grading_plugin_builds_is_valid(complete):
    """The default tier runs the graders that write results.json slowly or not at all: the builder, directly."""
    results = [PartResult(part, tuple(CheckResult(part.name, check.name, index > 0, "" if index else "differs")
                                      for index, check in enumerate(part.checks))) for part in PARTS]
    validate(results_json(results, 1.25, assignment="nnti-7.4", complete=complete,
                          isolation={"layers": [], "proofs": {}, "missing": []}, run={"profile": {"name": "ci"}}))


def test_the_finder_validates_every_results_file_and_only_those(tmp_path_factory):
    # Not tmp_path: tests/conftest.py would rightly fail this test for the invalid files it plants.
    root = tmp_path_factory.mktemp("planted")
    (root / "deep" / "er").mkdir(parents=True)
    (root / "deep" / "er" / "r.json").write_text('{"score": "3"}')
    (root / "results.json").write_text('{"score": NaN}')
    (root / "valid.json").write_text(json.dumps(FULL))
    (root / "package.json").write_text('{"name": "not results"}')  # no "tests" nor "score" at its top
    (root / "list.json").write_text('[{"score": "3"}]')
    (root / "trusted.json").write_text("trusted")  # not JSON: none of the check's business
    os.mkfifo(root / "fifo.json")  # would block a plain open()
    (root / "link.json").symlink_to(root / "deep" / "er" / "r.json")  # not followed: counted once
    problems = {path.relative_to(root).as_posix(): reason for path, reason in invalid_results(root)}
    assert problems == {"deep/er/r.json": "$.score: '3' is not of type 'number'",
                        "results.json": "not JSON: it holds NaN"}
