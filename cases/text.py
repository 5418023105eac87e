"""Plain text as it may be stored and shown: no control characters.

A C0 control character (U+0000–U+001F other than tab and newline) or DEL in a description
makes the XML of Open311 not well-formed and can upset a spreadsheet or a terminal; no
reporter means one. Every input (the public form, Open311, the REST API, the 12345 import)
passes its text through clean_text(), and XML output passes through it again for rows
stored before (docs/security.md).
"""

import re

from django import forms

# C0 controls but tab, newline and carriage return; DEL; lone surrogates and the two
# non-characters XML 1.0 also refuses.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile(r"\r\n?|\n|\t")


def clean_text(value, *, multiline=True):
    """`value` without control characters. Multi-line text keeps its newlines (a CR LF or
    a lone CR becomes one newline) and tabs; a single-line value has them as spaces."""
    if not value:
        return value
    value = _CONTROL.sub("", str(value))
    if multiline:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return _BREAKS.sub(" ", value)


class PlainTextField(forms.CharField):
    """A form's text field that drops control characters (clean_text) before Django strips
    and checks it: multi-line where the widget is a text area, else one line."""

    def to_python(self, value):
        if isinstance(value, str):
            value = clean_text(value, multiline=isinstance(self.widget, forms.Textarea))
        return super().to_python(value)
