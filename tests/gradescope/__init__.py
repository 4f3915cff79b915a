"""Gradescope's results.json format as a JSON Schema (schema.json, from
https://gradescope-autograders.readthedocs.io/en/latest/specs/), and a finder of the results files a test
wrote, for tests/conftest.py to validate each one.

jsonschema is imported only when something is validated: the grading run loads tests/conftest.py too.
"""
import functools
import json
import os
import stat
from pathlib import Path

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@functools.cache
def _validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate(document):
    """Raise jsonschema.ValidationError, its message led by the JSON path of the offending value
    ("$.tests[0].status: 'ok' is not one of ['passed', 'failed']"), if `document` is not Gradescope's format."""
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(document))
    if error is not None:
        # A fresh error without the instance and schema: its str() is the one line, not a dump of both.
        raise ValidationError(f"{error.json_path}: {error.message}", validator=error.validator,
                              path=error.absolute_path, schema_path=error.absolute_schema_path) from error


def invalid_results(root):
    """[(path, reason)] for each results file under `root` that is not Gradescope's format. A results file is
    a regular *.json file (not a link, FIFO or device: tests plant those at results paths) whose top level
    is an object with "tests" or "score"; any other file, JSON or not, is none of this check's business."""
    problems = []
    for folder, _, names in os.walk(root):  # does not descend into linked folders
        for name in names:
            if name.endswith(".json"):
                path = Path(folder, name)
                text = _regular_file_text(path)
                reason = _problem(text) if text is not None else None
                if reason:
                    problems.append((path, reason))
    return problems


def _regular_file_text(path):
    # Opened without following a link or blocking on a FIFO, then checked on the open descriptor: a file
    # swapped after the walk saw it is still never followed nor waited on.
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        data = stream.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _problem(text):
    constants = []  # NaN and Infinity: Python's json reads and writes them, JSON (and Gradescope) does not
    try:
        document = json.loads(text, parse_constant=lambda name: constants.append(name) or float(name))
    except ValueError:
        return None
    if not (isinstance(document, dict) and ("tests" in document or "score" in document)):
        return None
    if constants:
        return f"not JSON: it holds {', '.join(sorted(set(constants)))}"
    from jsonschema import ValidationError

    try:
        validate(document)
    except ValidationError as error:
        return error.message
    return None
