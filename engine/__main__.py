"""`python -m engine`: the same as the `ladya` command."""
import sys

from engine.cli import main

sys.exit(main())
