"""The engine: position, move generation, UCI front end and the `ladya` command."""

__version__ = "0.1.0"     #: the package version (pyproject.toml reads it from here)
