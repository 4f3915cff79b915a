"""What every experiment shares: progress lines, the table of final figures, the PNG figure.

Figures are drawn on `matplotlib.figure.Figure` objects, which render through the Agg backend
without pyplot: no screen, no global backend switch, nothing left open after saving.
"""
import argparse
import contextlib
import pathlib
import sys

from matplotlib.figure import Figure
from threadpoolctl import threadpool_limits


class Progress:
    """Prints `[name] message` lines as an experiment runs (to stderr, so stdout keeps the table)."""

    def __init__(self, name, quiet=False, stream=None):
        self.name, self.quiet, self.stream = name, quiet, stream

    def __call__(self, message):
        if not self.quiet:
            print(f"[{self.name}] {message}", file=self.stream or sys.stderr, flush=True)


SILENT = Progress("", quiet=True)


@contextlib.contextmanager
def one_thread():
    """BLAS (NumPy's) and torch on one thread while the experiment runs.

    The experiments' matrices are small (at most 500 x 500): a thread pool gains nothing there and,
    on a 2-core machine with anything else running, spin-waiting threads made a 20x300 @ 300x300
    product 50x slower (measured: 5 ms instead of 0.1 ms).
    """
    torch = sys.modules.get("torch")  # only if the experiment uses it: never import it for nothing
    torch_threads = torch.get_num_threads() if torch else None
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            if torch:
                torch.set_num_threads(1)
            yield
    finally:
        if torch:
            torch.set_num_threads(torch_threads)


def format_table(headers, rows):
    """A fixed-width text table; floats with 4 decimals."""
    cells = [[f"{value:.4f}" if isinstance(value, float) else str(value) for value in row] for row in rows]
    widths = [max(len(str(header)), *(len(row[column]) for row in cells)) for column, header in enumerate(headers)]
    line = lambda values: "  ".join(str(value).rjust(width) for value, width in zip(values, widths))
    return "\n".join([line(headers), line("-" * width for width in widths), *(line(row) for row in cells)])


def new_figure(columns, width_per_panel=5.0, height=4.0):
    """A Figure with `columns` side-by-side axes (always returned as a list)."""
    figure = Figure(figsize=(width_per_panel * columns, height), layout="constrained")
    axes = figure.subplots(1, columns, squeeze=False)[0]
    return figure, list(axes)


def save_figure(figure, path):
    """Writes `figure` as a PNG at `path` (parent folders made); returns the path."""
    path = pathlib.Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"the figure is written as PNG: the path must end in .png, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


def argument_parser(name, description):
    """The options every experiment takes: --out, --seed, --quiet."""
    parser = argparse.ArgumentParser(prog=f"toyframe-experiment {name}", description=description)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("figures") / f"{name}.png",
                        help="where to write the PNG figure (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def checked_option(check, convert=float):
    """An argparse type: converts the text, then applies `check`, whose ValueError names the argument."""
    def parse(text):
        try:
            return check(convert(text))
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return parse


def finish(title, headers, rows, figure, out):
    """The end of every experiment's command: the table on stdout, then the figure on disk."""
    print(title)
    print(format_table(headers, rows))
    path = save_figure(figure, out)
    print(f"figure: {path}")
    return path
