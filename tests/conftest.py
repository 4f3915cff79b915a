"""Every results.json the suite writes is Gradescope's format: after a test that used tmp_path passes, each
results file under it is validated against tests/gradescope/schema.json, and an invalid one fails
the test, naming the file and the offending field.

Only tmp_path is searched (results written to mkdtemp folders are not). The grading run loads this file
too: nothing is imported at its top, and jsonschema only once there is a results file to validate.
"""
from pathlib import Path

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    outcome = yield  # a failure of the test itself propagates here untouched: not masked by ours
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if isinstance(tmp_path, Path):
        from tests.gradescope import invalid_results

        problems = invalid_results(tmp_path)
        if problems:
            lines = [f"{path.relative_to(tmp_path)}: {reason}" for path, reason in problems]
            pytest.fail("results written under tmp_path are not Gradescope's results.json format "
                        "(tests/gradescope/schema.json):\n" + "\n".join(lines), pytrace=False)
    return outcome
