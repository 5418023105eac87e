"""Forms of the public pages: the report form (whose location part also serves the live
"where is this, what is open nearby" check) and the reporter's actions on the tracking
page. Every message is a sentence in the page's language, shown next to its field."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases import images, intake, questions, recovery, routing
from cases.inputs import MAX_TEXT
from cases.models import Area, Case, Category, Reporter
from cases.text import PlainTextField

PHONE_PATTERN = re.compile(r"1[3-9]\d{9}")
REPORTER_KINDS = [
    (kind.value, kind.label)
    for kind in (Reporter.Kind.RESIDENT, Reporter.Kind.MERCHANT, Reporter.Kind.OFFICE_WORKER)
]
OUTSIDE = _(
    "This point is outside Hongmei Street. Tap a place inside the outline, "
    "or choose a compound or road from the list."
)
NO_PLACE = _("Show where it is: tap the map, use your location, or choose a compound or road.")
EXPIRED = _("This form has expired. Please press send again.")
SPAM = _("Your report could not be sent.")
BAD_PHONE = _(
    "Enter a mainland China mobile number: 11 digits starting with 1, such as 13812345678."
)


class FocusFirstError:
    """A refused send puts the cursor on the first field with a message, in the order the
    page shows them, even without JavaScript: that field's widget gets `autofocus`.
    Django marks each field with a message aria-invalid and describes it by the message
    (id_<name>_error); a place given on the map has no input of its own, so its message
    describes the list of places instead."""

    page_order: tuple = ()

    def focus_first_error(self):
        """The name of the field that takes the focus, or None."""
        if not self.is_bound or not self.errors:
            return None
        if "lat" in self.errors and "area" in self.fields and "area" not in self.errors:
            self.fields["area"].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": "id_lat_error"}
            )
        order = [n for n in self.page_order if n in self.fields] or list(self.fields)
        order += [n for n in self.fields if n not in order]
        first = next((name for name in order if name in self.errors), None)
        if first == "lat":
            first = "area"
        if first is not None and first in self.fields:
            self.fields[first].widget.attrs["autofocus"] = True
        return first


class PhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """The uploads as sent; ReportForm.clean_photos() sniffs and re-encodes them."""

    widget = PhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, data):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


class WhereForm(forms.Form):
    """What and where: a category and a map point or a listed compound or road. After
    validation, `place` is the area the report belongs to and `nearby` the open cases of
    the same category around it."""

    category = forms.ModelChoiceField(
        label=_("What is the problem?"),
        queryset=Category.objects.none(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": _("Choose one of the categories.")},
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    area = forms.ModelChoiceField(
        label=_("Or choose the compound or road"),
        queryset=Area.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("— choose from the list —"),
        error_messages={"invalid_choice": _("Choose a compound or road from the list.")},
    )

    require_location = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(
            is_active=True, parent__isnull=False
        )
        self.fields["area"].queryset = intake.selectable_areas()
        self.place = None
        self.nearby = []

    def clean(self):
        data = super().clean()
        lat, lng, area = data.get("lat"), data.get("lng"), data.get("area")
        if "lat" in self.errors or "lng" in self.errors or "area" in self.errors:
            return data
        if (lat is None) != (lng is None):
            self.add_error("lat", NO_PLACE)
            return data
        point_area = routing.area_for_point(lat, lng) if lat is not None else None
        if area is not None:
            # The listed choice wins; a point keeps only if it lies inside that area.
            if point_area is None or area.pk not in _chain_ids(point_area):
                data["lat"] = data["lng"] = None
            self.place = area
        elif lat is not None:
            if point_area is None:
                self.add_error("lat", OUTSIDE)
                return data
            self.place = point_area
        elif self.require_location:
            self.add_error("lat", NO_PLACE)
            return data
        if self.place is not None:
            self.nearby = intake.nearby(
                data.get("category"),
                lat=data.get("lat"),
                lng=data.get("lng"),
                area=self.place if data.get("lat") is None else None,
            )
        return data


def _chain_ids(area):
    ids = set()
    while area is not None:
        ids.add(area.pk)
        area = routing.area_by_id(area.parent_id)
    return ids


class ReportForm(FocusFirstError, WhereForm):
    """The whole public form. With `follow` set (a nearby case's number), the sender follows
    that case instead of filing: only who they are and where it is are needed then."""

    description = PlainTextField(
        label=_("Describe the problem"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(
        label=_("Photos (up to 5)"),
        widget=PhotoInput(attrs={"accept": "image/*,.heic,.heif"}),
    )
    address = PlainTextField(
        label=_("Where exactly? (optional)"),
        required=False,
        max_length=200,
        help_text=_("For example: at the entrance of No. 12, by the bus stop."),
    )
    kind = forms.ChoiceField(
        label=_("I am a"),
        choices=REPORTER_KINDS,
        initial=Reporter.Kind.RESIDENT,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us who you are."), "invalid_choice": _("Choose one.")},
    )
    name = PlainTextField(
        label=_("Name (optional)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel-national"}
        ),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Honeypot: hidden from people; bots that fill every field give themselves away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    seen_nearby = forms.CharField(required=False, widget=forms.HiddenInput)
    follow = forms.CharField(required=False)

    require_location = True

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.following = bool(self.is_bound and self.data.get("follow"))
        self.followed = None
        self.question_groups = []
        for category in categories:
            bound = []
            for question in questions.ordered(category):
                name = questions.field_name(category, question)
                self.fields[name] = questions.form_field(question)
                bound.append(self[name])
            if bound:
                self.question_groups.append((category, bound))
        questions_asked = [b.name for _, group in self.question_groups for b in group]
        self.page_order = (
            "category", *questions_asked, "description", "photos", "lat", "area", "address",
            "kind", "name", "phone", "email",
        )  # fmt: skip

    def clean_description(self):
        description = self.cleaned_data["description"].strip()
        if not description and not self.following:
            raise ValidationError(_("Please describe the problem."))
        return description

    def clean_photos(self):
        uploads = self.cleaned_data["photos"]
        if self.following or not uploads:
            return []
        try:
            photos, errors = images.clean_photos(uploads)
        except images.PhotoError as error:
            raise ValidationError(error.message) from None
        if errors:
            raise ValidationError(
                [
                    _("%(file)s: %(problem)s")
                    % {"file": _short_name(uploads[i].name), "problem": message}
                    for i, message in errors.items()
                ]
            )
        return photos

    def clean_phone(self):
        digits = re.sub(r"[\s\-()]", "", self.cleaned_data["phone"])
        for prefix in ("+86", "0086", "86"):
            if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
                digits = digits[len(prefix) :]
        if digits and not PHONE_PATTERN.fullmatch(digits):
            raise ValidationError(BAD_PHONE)
        return digits

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise ValidationError(SPAM, code="spam")
        category = data.get("category")
        if category is None:
            if "category" not in self.errors:
                self.add_error("category", _("Choose what the problem is."))
            return data
        if self.following:
            self.followed = next((c for c in self.nearby if c.number == data.get("follow")), None)
            if self.followed is None and self.place is not None:
                self.add_error(
                    None,
                    _("That case is no longer open near this place. Send your own report instead."),
                )
            return data
        data["answers"] = self._answers(category)
        if (
            category.report_photo_required
            and not data.get("photos")
            and "photos" not in self.errors
        ):
            self.add_error("photos", _("This kind of problem needs at least one photo."))
        return data

    def _answers(self, category):
        answers = {}
        for question in category.questions or []:
            name = questions.field_name(category, question)
            if name in self.errors:
                continue
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                if questions.is_required(question):
                    self.add_error(name, _("Please answer this question."))
                continue
            answers[question["code"]] = questions.stored(value)
        return answers

    @property
    def unseen_nearby(self):
        """Nearby open cases the sender has not been shown yet."""
        seen = set((self.cleaned_data.get("seen_nearby") or "").split(","))
        return [case for case in self.nearby if case.number not in seen]

    def reporter(self):
        """The sender as an unsaved Reporter."""
        data = self.cleaned_data
        return Reporter(
            kind=data["kind"], name=data["name"], phone=data["phone"], email=data["email"]
        )

    def report(self):
        """The arguments of intake.file_report() but the key and the reporter."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"],
            "answers": data["answers"],
            "lat": data.get("lat"),
            "lng": data.get("lng"),
            "area": self.place,
            "address": data["address"].strip(),
            "photos": data["photos"],
        }


def _short_name(name):
    name = (name or "").rsplit("/", 1)[-1]
    return name if len(name) <= 40 else f"{name[:18]}…{name[-18:]}"


# ---------------------------------------------------------------------------- tracking


class ReporterActionForm(forms.Form):
    """A reporter's action on their case. Fields are optional here: the workflow decides
    what is missing and says so (its error goes next to the field it names)."""

    def inputs(self):
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


class ConfirmForm(ReporterActionForm):
    pass


class DisputeForm(ReporterActionForm):
    reason = PlainTextField(
        label=_("What is still wrong?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RateForm(ReporterActionForm):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=Case.Satisfaction.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    note = PlainTextField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def inputs(self):
        return {
            "rating": self.cleaned_data.get("rating") or None,
            "note": self.cleaned_data["note"],
        }


class ReopenForm(ReporterActionForm):
    reason = PlainTextField(
        label=_("Why should the case be reopened?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


REPORTER_ACTION_FORMS = {
    "verify": ConfirmForm,
    "dispute": DisputeForm,
    "rate": RateForm,
    "reopen": ReopenForm,
}


# ---------------------------------------------------------------------------- finding again

BAD_CONTACT = _(
    "Enter the mobile number (11 digits) or the e-mail address you gave with your report."
)


class ContactForm(FocusFirstError, forms.Form):
    """/mine/: the mobile number or e-mail a reporter gave."""

    contact = forms.CharField(
        label=_("Mobile number or e-mail you gave"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "tel-national email"}),
        error_messages={"required": BAD_CONTACT},
    )

    def clean_contact(self):
        contact = recovery.Contact.parse(self.cleaned_data["contact"])
        if contact is None:
            raise ValidationError(BAD_CONTACT)
        return contact


class FindForm(ContactForm):
    """/find/: a case's number and the contact given with it."""

    number = forms.CharField(
        label=_("Case number"),
        max_length=30,
        help_text=_(
            "As on the confirmation page or in the message you received, e.g. HM-2026-000123."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter the case number.")},
    )

    field_order = ["number", "contact"]
    page_order = ("number", "contact")

    def clean_number(self):
        number = re.sub(r"\s", "", self.cleaned_data["number"]).upper()
        if not re.fullmatch(r"[A-Z0-9]{1,10}-\d{4}-\d{1,9}", number):
            raise ValidationError(_("A case number looks like HM-2026-000123."))
        return number


class CodeForm(FocusFirstError, forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the code you received.")},
    )
