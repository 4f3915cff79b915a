"""Shared pytest set-up: hypothesis profiles and the --slow option, registered in one place.

Profiles (choose with --hypothesis-profile=NAME; default: "ci" when CI is set, else "dev"):
  dev      quick, random, remembers failures in the example database
  ci       derandomized (the same examples every run), no deadline, no database
  grading  derandomized and many more examples: what course staff run before releasing grades
"""
import os

import pytest
from hypothesis import HealthCheck, Phase, settings

_COMMON = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=40, **_COMMON)
settings.register_profile("ci", max_examples=40, derandomize=True, database=None, **_COMMON)
settings.register_profile("grading", max_examples=300, derandomize=True, database=None, **_COMMON)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the slower tier (tests marked slow)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip_slow = pytest.mark.skip(reason="slower tier: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
