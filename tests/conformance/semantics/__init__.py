"""GitHub-documented workflow semantics, checked by workflows that test themselves."""
