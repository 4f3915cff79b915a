"""The hypothesis profiles, defined once; conftest.py (the test suite) and reference.grade register them.

  dev      quick, random, remembers failures in the example database
  ci       derandomized (the same examples every run), no deadline, no database
  grading  derandomized and many more examples: what course staff run before releasing grades
"""
from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])

PROFILES = {
    "dev": dict(max_examples=40, **_COMMON),
    "ci": dict(max_examples=40, derandomize=True, database=None, **_COMMON),
    "grading": dict(max_examples=300, derandomize=True, database=None, **_COMMON),
}


def register_profiles():
    for name, options in PROFILES.items():
        settings.register_profile(name, **options)
