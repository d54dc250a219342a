"""Where the ground-truth data lives: ``$BATON_SHARED``, else the copy in ``tests/data``."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("BATON_SHARED") or Path(__file__).resolve().parent / "data")
EXPRESSIONS = SHARED / "conformance" / "expressions"
ACT_CASES = SHARED / "conformance" / "act"
MIRROR = SHARED / "mirror"
"""Git bundles of the public actions act's remote cases use (``owner/repo.bundle``)."""
CORPUS = SHARED / "corpus" / "real-workflows"
REFERENCE = SHARED / "reference"
