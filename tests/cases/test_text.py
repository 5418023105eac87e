"""cases.text: what every input does with control characters (docs/security.md, finding 4)."""

import pytest

from cases.text import clean_text


@pytest.mark.parametrize(
    ("given", "multiline", "expected"),
    [
        ("a\x0b\x01b", True, "ab"),
        ("a\x00b\x1f\x7f", False, "ab"),
        ("第一行\r\n第二行\r第三行\n\tend", True, "第一行\n第二行\n第三行\n\tend"),
        ("one\nline\tonly\r\n", False, "one line only "),
        ("虹梅路 1号", False, "虹梅路 1号"),
        ("a\ud800b\ufffe\uffff", True, "ab"),
        ("", True, ""),
        (None, True, None),
    ],
)
def test_control_characters_go_and_lines_stay_where_wanted(given, multiline, expected):
    assert clean_text(given, multiline=multiline) == expected
