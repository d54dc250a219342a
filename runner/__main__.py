"""``python -m runner``: the ``baton`` command, as ``python -m runner.cli``."""

from __future__ import annotations

import sys

from runner.cli import main

sys.exit(main())
