"""baton: a GitHub-Actions-compatible CI/CD pipeline runner.

The public root is tiny on purpose: the version and the error hierarchy. Everything
else lives in the sub-packages named in DESIGN.md.
"""

from __future__ import annotations

from runner.errors import BatonError

__all__ = ["BatonError", "__version__"]

__version__ = "0.1.0"
