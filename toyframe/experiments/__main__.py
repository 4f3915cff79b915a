"""toyframe-experiment NAME [options]: runs one experiment (see toyframe.experiments)."""
import importlib
import sys

from toyframe.experiments import EXPERIMENTS, __doc__ as OVERVIEW

OPTIONAL_DEPENDENCIES = {"matplotlib", "sklearn", "threadpoolctl"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(OVERVIEW.strip())
        return 0 if argv else 2
    name, options = argv[0], argv[1:]
    if name not in EXPERIMENTS:
        print(f"toyframe-experiment: unknown experiment {name!r}; choose one of {', '.join(EXPERIMENTS)}",
              file=sys.stderr)
        return 2
    try:
        experiment = importlib.import_module(EXPERIMENTS[name])
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if missing not in OPTIONAL_DEPENDENCIES:
            raise
        print(f"toyframe-experiment: {name} needs {missing}, from the experiments extra: "
              f"pip install 'toyframe-harness[experiments]'", file=sys.stderr)
        return 2
    return experiment.main(options)


if __name__ == "__main__":
    raise SystemExit(main())
