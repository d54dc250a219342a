"""A repository as a run sees it: facts about its commit (GitPython) and the snapshot
of its content that jobs check out from. Below the launch layer, so ``baton run`` and
the watch service snapshot the same way."""
