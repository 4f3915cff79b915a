"""Shared pytest set-up, registered in one place: hypothesis profiles and the --slow option.

Profiles (reference/grading/profiles.py): dev, ci, grading. Choose one with --hypothesis-profile=NAME;
the default is "ci" (derandomized) when the CI environment variable is set, else "dev".
"""
import os

import pytest
import torch
from hypothesis import settings

from reference.grading.profiles import register_profiles

register_profiles()
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The reference's tensors are tiny: one thread is 3-5x faster than torch's pool on 2 busy cores.
torch.set_num_threads(1)


def pytest_configure(config):
    # Registered here, not in pyproject.toml: `--submission DIR` can make pytest miss its ini file
    # (it reads an existing DIR as a test path while looking for one), and grading must not care.
    config.addinivalue_line("markers", "slow: the slower tier; run with --slow")
    config.addinivalue_line("markers", "quick: the default tier's sample of a check the slower tier runs in full "
                                       "(skipped with --slow)")


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the slower tier (tests marked slow)")


def pytest_collection_modifyitems(config, items):
    slow = config.getoption("--slow")
    skip = (pytest.mark.skip(reason="the slower tier runs this check in full") if slow
            else pytest.mark.skip(reason="slower tier: run with --slow"))
    for item in items:
        if item.get_closest_marker("quick" if slow else "slow"):
            item.add_marker(skip)
