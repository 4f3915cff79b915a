"""The test suite's submissions: correct.py (exercise 7.4's correct classes, in many styles) and, for the
file-based assignments, the catalogues of reference/catalogues/ plus the hostile submissions graded through
the worker alone. The known-wrong implementations themselves are the trusted side's data
(reference/catalogues/: its "Likely cause:" hints replay them)."""
