#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image; the zip is in
# /autograder/source. Install layout (README.md, "Install layout"):
# - the harness, numpy, torch and the walls' bindings go into the system Python's site-packages
#   (not editable), world-readable: the grading worker runs as user nobody and imports numpy and
#   the bindings from there (it reads the harness from a copy the grader makes for each run);
# - /autograder/source (the graded checks, these scripts) is root's alone.
# Gradescope's image has no local CPU wheel: set PIP_EXTRA_INDEX_URL to PyTorch's CPU wheel index
# there (see docs/staff.md), or pip may fetch the much larger CUDA build.
set -euo pipefail
cd "$(dirname "$0")"
umask 022
if ! ldconfig -p 2>/dev/null | grep -q libseccomp.so.2; then
    apt-get update -qq && apt-get install -y -qq libseccomp2
fi
python3 -m pip install --quiet --upgrade pip
python3 -m pip install --quiet -c constraints.txt ".[test]"
chmod -R go-rwx .
