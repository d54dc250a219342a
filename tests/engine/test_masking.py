"""Secret masking: what is masked, how overlapping secrets merge, and the fast paths."""

from __future__ import annotations

import base64
import json
import random

import pytest

from runner.engine.masking import MASK, Masker, variants


@pytest.mark.parametrize(
    ("secrets", "text", "expected"),
    [
        (["secret"], "the secret is out", "the *** is out"),
        (["secret"], "secret secret", "*** ***"),
        (["secret"], "secretsecret", "***"),  # touching occurrences make one run
        (["aa"], "aaa b aa", "*** b ***"),  # overlapping occurrences of one secret
        (["abc", "abcdef"], "xabcdefx", "x***x"),  # a secret inside another
        (["abcdef", "abc"], "abc abcdef", "*** ***"),
        (["abc", "cde"], "abcde!", "***!"),  # two secrets overlapping
        (["Mona The Octocat"], 'echo "Mona The Octocat"', 'echo "***"'),
        (["s3cr3t"], "S3CR3T", "S3CR3T"),  # case matters
        (["ü✓"], "x ü✓ y", "x *** y"),
        (["a"], "banana", "b***n***n***"),
    ],
)
def test_mask(secrets: list[str], text: str, expected: str) -> None:
    assert Masker(secrets).mask(text) == expected


@pytest.mark.parametrize("value", ["", " ", "\t", "\n", " \r\n "])
def test_empty_and_whitespace_values_are_ignored(value: str) -> None:
    masker = Masker([value])
    assert not masker
    assert masker.values == frozenset()
    assert masker.mask("a b\tc") == "a b\tc"


@pytest.mark.parametrize(
    ("secret", "printed"),
    [
        ('p"q\\r', 'p\\"q\\\\r'),  # inside a JSON string
        ("tab\there", "tab\\there"),
        ("naïve", "na\\u00efve"),  # Python's json.dumps escapes non-ASCII
        ("a b&c/d", "a%20b%26c%2Fd"),  # a URI component
        ("x<y>&'\"", "x&lt;y&gt;&amp;&apos;&quot;"),  # XML
        ("it's", "it''s"),  # an expression string literal
        ("secret", base64.b64encode(b"secret").decode()),
        ("secret", base64.b64encode(b"ecret").decode()),  # base64 of `x:secret`-like prefixes
        ("secret", base64.b64encode(b"cret").decode()),
        ('"quoted-value"', "quoted-value"),  # longer than 8 and quoted: quotes dropped
    ],
)
def test_encoded_forms_are_masked(secret: str, printed: str) -> None:
    assert Masker([secret]).mask(f"<{printed}>") == f"<{MASK}>"


def test_short_quoted_values_keep_their_quotes() -> None:
    assert "short" not in variants('"short"')


def test_json_form_matches_json_dumps() -> None:
    secret = 'a"b\\c\nd'
    assert Masker([secret]).mask(json.dumps({"k": secret})) == '{"k": "***"}'


def test_multi_line_value_masks_the_whole_and_each_line() -> None:
    masker = Masker(["first line\n  second line  \r\n\n"])
    assert masker.mask_lines(["x first line", "second line y", "  "]) == ["x ***", "*** y", "  "]
    assert masker.mask("first line\n  second line  \r\n\n") == MASK
    assert {"first line", "second line"} <= masker.values


def test_surrounding_whitespace_is_also_masked_without() -> None:
    masker = Masker(["  padded\t"])
    assert masker.mask("[padded] [  padded\t]") == "[***] [***]"
    assert Masker(["tok\n"]).mask("tok") == MASK  # a secret pasted with its newline


def test_add_after_mask_rebuilds_the_pattern() -> None:
    masker = Masker(["one"])
    assert masker.mask("one two") == "*** two"
    masker.add("two")
    assert masker.mask("one two") == "*** ***"
    assert masker.mask_lines(["two", "one"]) == ["***", "***"]


def test_clean_text_is_returned_untouched() -> None:
    text, lines = "nothing to see", ["a", "b"]
    assert Masker().mask(text) is text
    assert Masker().mask_lines(lines) is lines
    assert Masker(["zzz"]).mask(text) is text
    assert Masker(["zzz"]).mask_lines(lines) is lines
    assert Masker(["zzz"]).mask_lines([]) == []


def test_mask_lines_handles_lines_holding_line_breaks() -> None:
    masker = Masker(["sec\nret", "key"])
    assert masker.mask_lines(["a key\nb", "sec\nret", "x"]) == ["a ***\nb", "***", "x"]
    assert masker.mask_lines(["sec", "ret"]) == ["***", "***"]  # the value's lines are secrets too


def test_mask_lines_agrees_with_mask_line_by_line() -> None:
    rng = random.Random(1)
    alphabet = "ab c\td"
    secrets = ["ab", "b c", "dd", "a\nb", "cab", "\tda"]
    masker = Masker(secrets)
    for _ in range(300):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(rng.randrange(1, 6))]
        assert masker.mask_lines(lines) == [masker.mask(line) for line in lines]
        for line in masker.mask_lines(lines):
            assert not any(s in line for s in secrets if "\n" not in s)
