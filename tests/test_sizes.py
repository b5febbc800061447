import pytest

from datasharing_workshop.content.sizes import format_size, parse_size
from datasharing_workshop.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3GB", 3_000_000_000),
        ("1.5 GB", 1_500_000_000),
        ("40 mb", 40_000_000),
        ("35MB", 35_000_000),
        ("100 GB", 100_000_000_000),
        ("2 GiB", 2 * 2**30),
        (".5GB", 500_000_000),
        (1234, 1234),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-3GB", "cannot be negative"),
        ("three gigabytes", "expected a size such as"),
        ("35", "with a unit"),
        ("3 XB", "unknown size unit 'XB'"),
        ("", "expected a size such as"),
        (-1, "cannot be negative"),
        (True, "expected a size such as"),
    ],
)
def test_parse_size_rejects(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_size(text)


@pytest.mark.parametrize(
    ("size", "text"),
    [(1_500_000_000, "1.5 GB"), (35_000_000, "35 MB"), (6 * 10**9, "6 GB"), (999, "999 bytes")],
)
def test_format_size(size, text):
    assert format_size(size) == text
