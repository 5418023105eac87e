"""cases.spreadsheet: a cell a spreadsheet would run as a formula is quoted (finding 5)."""

import pytest

from cases.spreadsheet import safe_cell, safe_row


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("路边有垃圾 =1", "路边有垃圾 =1"),
        ("", ""),
        (-3, -3),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_formula_starts_are_quoted_and_other_values_pass(given, expected):
    assert safe_cell(given) == expected


def test_a_row_is_quoted_cell_by_cell():
    assert safe_row(["=1", "a", 5]) == ["'=1", "a", 5]
