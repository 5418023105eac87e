"""cases.text: what every input does with control characters (docs/security.md, finding 4)."""

import pytest
from django import forms

from cases.text import PlainTextField, clean_text


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


class NoteForm(forms.Form):
    note = PlainTextField(widget=forms.Textarea)
    place = PlainTextField()


def test_a_form_field_drops_control_characters_before_it_strips_and_checks():
    form = NoteForm({"note": "\x01 第一行\r\n第二行\x0b ", "place": "\x02虹梅路\n1号\x7f"})
    assert form.is_valid()
    assert form.cleaned_data == {"note": "第一行\n第二行", "place": "虹梅路 1号"}


def test_a_field_of_control_characters_only_is_empty():
    form = NoteForm({"note": "\x01\x02", "place": "x"})
    assert list(form.errors) == ["note"]
