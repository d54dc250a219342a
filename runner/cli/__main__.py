"""``python -m runner.cli``."""

import sys

from runner.cli import main

sys.exit(main())
