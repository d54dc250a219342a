"""``python -m runner``: the same as the ``baton`` command."""

import sys

from runner.cli import main

sys.exit(main())
