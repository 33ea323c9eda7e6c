"""`python -m training.match`: the match runner's command line (cli.py)."""
import sys

from training.match.cli import main

sys.exit(main())
