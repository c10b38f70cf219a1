"""`python -m conductor.cli` runs the CLI (what the `conductor` command runs)."""

import sys

from conductor.cli import main

sys.exit(main())
