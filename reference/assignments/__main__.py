"""python -m reference.assignments: every assignment found, its parts and points, and the statistical bounds
one grading run evaluates (each a false alarm of at most statistics.FALSE_ALARM for a correct submission)."""
from ..core.statistics import FALSE_ALARM
from . import MODULES, get


def main():
    for name in MODULES:
        assignment = get(name)
        bounds = assignment.FALSE_ALARM_BUDGET
        print(f"{name}  ({assignment.__name__})  {sum(part.points for part in assignment.PARTS):g} points; "
              f"{bounds} bounds, a correct submission's false-alarm probability <= {bounds * FALSE_ALARM:.1e}")
        for part in assignment.PARTS:
            print(f"    {part.name}: {part.points:g} points, {len(part.checks)} checks, "
                  f"{sum(check.bounds for check in part.checks)} bounds")


if __name__ == "__main__":
    main()
