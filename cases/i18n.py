"""The one rule for a name kept in Chinese with an optional English form: the English UI
shows the English form when there is one, everything else shows the Chinese."""

from django.utils.translation import get_language


def is_english():
    """Whether the active language is English (any variant)."""
    return (get_language() or "").startswith("en")


def localised(zh, en):
    """`en` when the active language is English and `en` is not empty, else `zh`."""
    if en and is_english():
        return en
    return zh
