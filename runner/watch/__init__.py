"""The watch service: the refs of repositories that change, and the runs they start
(through :mod:`runner.launch`)."""
