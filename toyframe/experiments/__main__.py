"""toyframe-experiment NAME [options]: runs one experiment (see toyframe.experiments)."""
import importlib
import sys

from toyframe.experiments import EXPERIMENTS, __doc__ as OVERVIEW


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
    return importlib.import_module(EXPERIMENTS[name]).main(options)


if __name__ == "__main__":
    raise SystemExit(main())
