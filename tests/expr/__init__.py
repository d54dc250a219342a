"""Tests of the ${{ }} expression language (runner.expr)."""
