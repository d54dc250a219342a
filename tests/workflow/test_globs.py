"""GitHub filter patterns: the cheat sheet's examples, edge cases and malformed patterns."""

from __future__ import annotations

import time

import pytest

from runner.errors import BatonError
from runner.workflow import globs
from runner.workflow.globs import GlobError, compile_glob

# (pattern, text, matches): the "Patterns to match branches and tags" and
# "Patterns to match file paths" tables of GitHub's filter pattern cheat sheet,
# plus the near misses each row implies.
CHEAT_SHEET = [
    # branches and tags
    ("feature/*", "feature/my-branch", True),
    ("feature/*", "feature/your-branch", True),
    ("feature/*", "feature/beta-a/my-branch", False),
    ("feature/*", "feature", False),
    ("feature/**", "feature/beta-a/my-branch", True),
    ("feature/**", "feature/your-branch", True),
    ("feature/**", "feature/mona/the/octocat", True),
    ("feature/**", "features/x", False),
    ("main", "main", True),
    ("main", "main2", False),
    ("main", "xmain", False),
    ("releases/mona-the-octocat", "releases/mona-the-octocat", True),
    ("*", "main", True),
    ("*", "releases", True),
    ("*", "releases/10", False),
    ("**", "all/the/branches", True),
    ("**", "every/tag", True),
    ("*feature", "mona-feature", True),
    ("*feature", "feature", True),
    ("*feature", "ver-10-feature", True),
    ("*feature", "feature-x", False),
    ("v2*", "v2", True),
    ("v2*", "v2.0", True),
    ("v2*", "v2.9", True),
    ("v2*", "v3", False),
    ("v[12].[0-9]+.[0-9]+", "v1.10.1", True),
    ("v[12].[0-9]+.[0-9]+", "v2.0.0", True),
    ("v[12].[0-9]+.[0-9]+", "v3.0.0", False),
    ("v[12].[0-9]+.[0-9]+", "v1..1", False),
    ("v[12].[0-9]+.[0-9]+", "v1x0.1", False),  # `.` is literal, not "any character"
    # file paths
    ("*", "README.md", True),
    ("*", "server.rb", True),
    ("*", "docs/README.md", False),
    ("*.jsx?", "page.js", True),
    ("*.jsx?", "page.jsx", True),
    ("*.jsx?", "page.jsxx", False),
    ("**", "all/the/files.md", True),
    ("*.js", "app.js", True),
    ("*.js", "index.js", True),
    ("*.js", "src/app.js", False),
    ("**.js", "index.js", True),
    ("**.js", "js/index.js", True),
    ("**.js", "src/js/app.js", True),
    ("**.js", "src/js/app.jsx", False),
    ("docs/*", "docs/README.md", True),
    ("docs/*", "docs/file.txt", True),
    ("docs/*", "docs/mona/octocat.txt", False),
    ("docs/**", "docs/README.md", True),
    ("docs/**", "docs/mona/octocat.txt", True),
    ("docs/**", "src/docs/x.md", False),
    ("docs/**/*.md", "docs/README.md", True),
    ("docs/**/*.md", "docs/mona/hello-world.md", True),
    ("docs/**/*.md", "docs/a/markdown/file.md", True),
    ("docs/**/*.md", "docs/a/markdown/file.txt", False),
    ("**/docs/**", "docs/hello.md", True),
    ("**/docs/**", "dir/docs/my-file.txt", True),
    ("**/docs/**", "space/docs/plan/space.doc", True),
    ("**/docs/**", "mydocs/x.md", False),
    ("**/README.md", "README.md", True),
    ("**/README.md", "js/README.md", True),
    ("**/README.md", "js/NOTREADME.md", False),
    ("**/*src/**", "a/src/app.js", True),
    ("**/*src/**", "my-src/code/js/app.js", True),
    ("**/*-post.md", "my-post.md", True),
    ("**/*-post.md", "path/their-post.md", True),
    ("**/migrate-*.sql", "migrate-10909.sql", True),
    ("**/migrate-*.sql", "db/migrate-v1.0.sql", True),
    ("**/migrate-*.sql", "db/sept/migrate-v1.sql", True),
    ("*.md", "hello.md", True),
    ("*.md", "docs/hello.md", False),
    ("README*", "README.doc", True),
    # the cheat sheet's list: `[CB]at`, `[1-2]00`, `Octo*`, `[0-9a-z]`
    ("[CB]at", "Cat", True),
    ("[CB]at", "Bat", True),
    ("[CB]at", "Rat", False),
    ("[1-2]00", "100", True),
    ("[1-2]00", "200", True),
    ("[1-2]00", "300", False),
    ("Octo*", "Octocat", True),
    ("[0-9a-z]", "7", True),
    ("[0-9a-z]", "q", True),
    ("[0-9a-z]", "Q", False),
]

# Behaviour beyond the tables: `?`/`+` on classes and escapes, escaping, whole-string match.
EDGES = [
    ("colou?r", "color", True),
    ("colou?r", "colour", True),
    ("colou?r", "colouur", False),
    ("ab+c", "abc", True),
    ("ab+c", "abbbc", True),
    ("ab+c", "ac", False),
    ("[0-9]?x", "x", True),
    ("[0-9]?x", "5x", True),
    ("[0-9]?x", "55x", False),
    ("a?+", "", True),  # `?` then `+` on one character: zero or more
    ("a?+", "aaa", True),
    ("a++", "aaa", True),
    ("a++", "", False),
    ("a??", "a", True),
    ("a??", "aa", False),
    ("*+", "anything", True),  # a quantifier after a wildcard changes nothing
    ("\\*", "*", True),
    ("\\*", "x", False),
    ("\\!file", "!file", True),
    ("escape\\\\backslash", "escape\\backslash", True),
    ("v1\\.0", "v1.0", True),
    ("a\\+", "a+", True),
    ("a\\+", "aa", False),
    ("\\[x]", "[x]", True),
    ("[\\]]", "]", True),
    ("[-a]", "-", True),
    ("[a-]", "-", True),
    ("[!a]", "!", True),  # `!` is only special as the pattern's first character
    (".yml", "fyml", False),
    ("a.b", "a.b", True),
    ("(a|b)", "(a|b)", True),
    ("(a|b)", "a", False),
    ("{a,b}", "{a,b}", True),
    ("**/", "x/", True),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("a/**/b", "a/xb", False),
    ("x**/y", "xa/y", True),  # `**/` not at a segment start is just `**` then `/`
    ("x**/y", "x/y", True),
    ("x**/y", "xy", False),
    ("main", "Main", False),  # case-sensitive, like git refs and paths
    ("*", "", True),
    ("a\nb", "a\nb", True),
    ("**", "line\nbreak", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), CHEAT_SHEET + EDGES)
def test_matches(pattern: str, text: str, expected: bool) -> None:
    assert compile_glob(pattern).matches(text) is expected


@pytest.mark.parametrize(
    ("pattern", "is_negated", "text", "expected"),
    [
        ("!README.md", True, "README.md", True),
        ("!docs/**", True, "docs/a/b", True),
        ("!!x", True, "!x", True),
        ("a!", False, "a!", True),
        ("\\!x", False, "!x", True),
    ],
)
def test_negation_is_reported_and_not_applied(pattern: str, is_negated: bool, text: str, expected: bool) -> None:
    glob = compile_glob(pattern)
    assert glob.pattern == pattern
    assert glob.is_negated is is_negated
    assert glob.matches(text) is expected


INVALID = [
    # (pattern, offset, words in the message)
    ("", 0, "empty"),
    ("!", 0, "'!'"),
    ("+", 0, "nothing"),
    ("?", 0, "nothing"),
    ("+main", 0, "nothing"),
    ("?main", 0, "nothing"),
    ("!+main", 1, "nothing"),
    ("!?", 1, "nothing"),
    ("[", 0, "never closed"),
    ("v[12", 1, "never closed"),
    ("v[12].[0-9", 6, "never closed"),
    ("[\\]", 0, "never closed"),
    ("[]", 0, "no characters"),
    ("a[]b", 1, "no characters"),
    ("[z-a]", 1, "range"),
    ("x[a-Z]", 2, "range"),
    ("[0-z]", 1, "range"),
    ("[!-/]", 1, "range"),
    ("abc\\", 3, "escapes nothing"),
    ("[a\\", 2, "escapes nothing"),
]


@pytest.mark.parametrize(("pattern", "offset", "words"), INVALID)
def test_invalid_patterns(pattern: str, offset: int, words: str) -> None:
    with pytest.raises(GlobError) as caught:
        compile_glob(pattern)
    assert caught.value.offset == offset
    assert words in caught.value.message
    assert caught.value.pattern == pattern
    assert isinstance(caught.value, BatonError)


def test_compilation_is_cached() -> None:
    assert compile_glob("feature/**") is compile_glob("feature/**")
    assert compile_glob.cache_info().maxsize is not None


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("a?+" * 20 + "*b", "a" * 5000 + "c"),
        ("*-" * 12 + "x", "-" * 5000),
        ("**/" * 10 + "*.md", "a/" * 2500 + "x.txt"),
        ("[a-z]+" * 15 + "!", "q" * 5000),
    ],
)
def test_matching_time_is_linear_in_the_text(pattern: str, text: str) -> None:
    # A backtracking matcher takes hours on these; a pushed branch name or path
    # must not be able to stall the watcher.
    glob = compile_glob(pattern)
    started = time.perf_counter()
    assert not glob.matches(text)
    assert not glob.matches(text)  # the second run goes through the cached DFA
    assert time.perf_counter() - started < 5.0


@pytest.mark.parametrize(("pattern", "text", "expected"), CHEAT_SHEET + EDGES)
def test_uncached_walk_agrees(pattern: str, text: str, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Past its cache bound a pattern walks the automaton directly; same answers.
    monkeypatch.setattr(globs, "_MAX_STATES", 0)
    assert compile_glob(pattern).matches(text) is expected
