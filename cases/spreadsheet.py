"""Cells of the CSV and Excel files we write, safe to open in a spreadsheet.

A cell beginning with =, +, -, @, a tab or a carriage return is read as a formula by
Excel, WPS and LibreOffice: a report's description "=HYPERLINK(...)" would run in the
dispatcher's spreadsheet. safe_cell() puts a single quote before such a text, which the
spreadsheet shows as plain text (OWASP, "CSV Injection"). Numbers, dates and other values
pass unchanged.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """`value`, with a quote before a text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values):
    return [safe_cell(value) for value in values]
