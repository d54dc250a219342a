"""Repositories as baton sees them: snapshots of a working tree or a commit, and (in
the watch service) the refs that change."""
