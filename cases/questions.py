"""A category's own questions to reporters, and the answers as people read them: the one
place for the order questions are asked in, the form field each becomes, their labels in
the page's language and how an answer is shown (the staff case page and the tracking page
alike).

A question is a dict in Category.questions: code, label, label_en, datatype (string,
number, text, datetime, singlevaluelist, multivaluelist), required, order, optionally
third_party and, for the lists, values [{key, name, name_en}]. Its answer is stored in
Case.answers under its code as JSON: text, a number, an ISO 8601 moment, a value's key
or a list of keys.
"""

import re
import unicodedata
from datetime import date, datetime

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cases.i18n import localised
from cases.text import PlainTextField

UNANSWERED = (None, "", [])
# Questions that name somebody else (a shop, a company, a vehicle) by their code, when the
# question does not say `third_party` itself.
IF_YOU_KNOW = gettext_lazy("If you don't know it, leave it empty.")
THIRD_PARTY_CODES = frozenset({"shop_name", "company_name", "business_name", "plate_number"})


def ordered(category):
    """The category's questions in the order they are asked: by `order`, ties as stored."""
    return sorted(category.questions or [], key=lambda q: q.get("order") or 0)


def text(item, key):
    """A question's "label" or a value's "name" in the page's language (the English form
    where the page is English and one is given); without one, its code or key."""
    fallback = item.get("code") or item.get("key") or ""
    return localised(item.get(key) or str(fallback), item.get(f"{key}_en"))


# ---------------------------------------------------------------------------- asking


def identifies_third_party(question):
    """Whether the question asks who somebody else is (a shop's name, a company, a plate):
    `third_party` where the question says, else by its code (THIRD_PARTY_CODES)."""
    if "third_party" in question:
        return bool(question["third_party"])
    return question.get("code") in THIRD_PARTY_CODES


def is_required(question):
    """Whether a report must answer `question`. A question that identifies a third party
    is never required: people often do not know a shop's name, and a report without it is
    still worth taking (issue 16)."""
    return bool(question.get("required")) and not identifies_third_party(question)


def field_name(category, question):
    """The name of a question's field on a form that asks several categories' questions."""
    return f"q-{category.code}-{question['code']}"


def form_field(question):
    """The optional form field that asks `question` (the form says which are required)."""
    datatype = question.get("datatype") or "string"
    label = text(question, "label")
    if not is_required(question):
        label = _("%(label)s (optional)") % {"label": label}
    choices = [(v["key"], text(v, "name")) for v in question.get("values") or []]
    if datatype == "text":
        return PlainTextField(
            label=label, required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
        )
    if datatype == "number":
        return forms.FloatField(label=label, required=False)
    if datatype == "datetime":
        return forms.DateTimeField(
            label=label,
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
    if datatype == "singlevaluelist":
        return forms.ChoiceField(
            label=label, required=False, choices=choices, widget=forms.RadioSelect
        )
    if datatype == "multivaluelist":
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    help_text = IF_YOU_KNOW if identifies_third_party(question) else ""
    return PlainTextField(label=label, required=False, max_length=200, help_text=help_text)


def stored(value):
    """A cleaned answer as it is kept in Case.answers (JSON): dates and moments in ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------- showing


def answers_shown(case):
    """(label, answer) of each question of the case's category that the report answered,
    in question order and the page's language. Unanswered questions are left out, and so
    are answers to questions the category no longer asks."""
    given = case.answers or {}
    rows = []
    for question in ordered(case.category):
        value = given.get(question.get("code"))
        if value not in UNANSWERED:
            rows.append((text(question, "label"), shown(question, value)))
    return rows


def shown(question, value):
    """One answer as people read it: a list's values by name, a moment in the street's
    local time, several values one after the other."""
    names = {str(v.get("key")): text(v, "name") for v in question.get("values") or []}
    values = value if isinstance(value, list) else [value]
    datatype = question.get("datatype")
    parts = [names.get(str(v)) or _one(v, datatype) for v in values]
    return pgettext("between the values of one answer", ", ").join(parts)


def _one(value, datatype):
    if datatype == "datetime" and isinstance(value, str):
        return when(value)
    return str(value)


def when(value):
    """An ISO 8601 date or moment as every page shows an answer's: a moment in the
    street's local time (Asia/Shanghai; a moment without a zone is taken to be in it),
    both in the language's short format. Text that is neither is shown as given."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return formats.date_format(day, "SHORT_DATE_FORMAT")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    street = timezone.get_default_timezone()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, street)
    return formats.date_format(timezone.localtime(moment, street), "SHORT_DATETIME_FORMAT")


# ---------------------------------------------------------------------------- shops

SHOP_NAME = "shop_name"  # the code of the question that names the shop a report is about
_BRANCH = re.compile(r"[（(【\[].*?[）)】\]]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def shop_key(category, answers):
    """The shop a case is about, normalised so that one shop written two ways is one:
    full-width forms folded (NFKC), lower case, a branch in brackets ("（虹梅路店）") and
    every space and punctuation mark dropped. Empty when the category asks no shop name
    or the report gave none."""
    if not any(q.get("code") == SHOP_NAME for q in category.questions or []):
        return ""
    name = (answers or {}).get(SHOP_NAME)
    if not isinstance(name, str):
        return ""
    name = unicodedata.normalize("NFKC", name).lower()
    return _NOT_WORD.sub("", _BRANCH.sub("", name))
