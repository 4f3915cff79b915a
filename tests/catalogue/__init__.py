"""The test suite's submissions: correct.py (exercise 7.4's correct classes, in many styles) and, for the
file-based assignments, the catalogues of reference/catalogues/ plus the hostile submissions graded through
the worker alone. The known-wrong implementations themselves are the trusted side's data
(reference/catalogues/: its "Likely cause:" hints replay them)."""
import importlib
import importlib.util
import sys

from reference import assignments

# What loading a file-based submission in this process registers (each assignment's worker says: layers,
# fc_net, cs231n.*, two_layer_net, ...): tests and reports that load several in turn forget them between loads.
SUBMISSION_MODULES = {module for name in assignments.MODULES
                      for module in assignments.worker_half(name).SUBMISSION_MODULES}


def forget_submission_modules():
    """Drop every loaded submission's modules; returns them, {name: module}, should a caller restore them."""
    gone = {name: module for name, module in sys.modules.items() if name.split(".")[0] in SUBMISSION_MODULES}
    for name in gone:
        del sys.modules[name]
    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "HandInModules"]
    return gone


def whole_submission_catalogues():
    """{assignment: its CATALOGUE} for every assignment whose catalogue holds whole submissions
    (tests/catalogue/PACKAGE.py: the trusted catalogue plus the hostile submissions graded through the worker)."""
    return {name: importlib.import_module(f"tests.catalogue.{package}").CATALOGUE
            for name, package in assignments.MODULES.items()
            if importlib.util.find_spec(f"tests.catalogue.{package}") is not None}
