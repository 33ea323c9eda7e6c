"""Opening books shipped inside the package, so that `ladya loop` and the
match runner need no source checkout (README.md here: source and licence)."""
from importlib.resources import files
from pathlib import Path

DEFAULT_BOOK = "openings.epd"


def default_book():
    """The shipped book (an importlib.resources file: read it with training.epd)."""
    return files(__name__) / DEFAULT_BOOK


def book(path=None):
    """The book at `path`, or the shipped one when `path` is None."""
    return default_book() if path is None else Path(path)
