"""Forms of the staff portal. An action's form is built from the workflow's table: its
fields are exactly the inputs the action needs or accepts (workflow.ACTIONS). The form
only turns what was typed into values; whether the action may happen, and whether an
input is missing or wrong, is for workflow.perform() to say."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import images, routing
from cases.choices import area_choices, category_choices
from cases.inputs import unreported_shares
from cases.models import Case, Category, StandardReply
from cases.text import PlainTextField

TEXT_INPUTS = ("reason", "note")
FIELD_ORDER = (
    "category",
    "lead_party",
    "co_parties",
    "deadline",
    "duplicate_of",
    "reason",
    "note",
    "open_shares_reason",
    "photos",
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/*")

    def clean(self, data, initial=None):
        uploads = [f for f in (data or []) if f]
        if not uploads:
            return []
        try:
            photos, errors = images.clean_photos(uploads)
        except images.PhotoError as error:
            raise forms.ValidationError(error.message) from None
        if errors:
            raise forms.ValidationError(list(errors.values()))
        return photos


def standard_replies(case):
    """Ready-made texts for this case's category, its main category, then for any."""
    category = case.category
    return list(
        StandardReply.objects.filter(
            Q(category_id=category.pk) | Q(category_id=category.parent_id) | Q(category=None)
        ).order_by("category_id", "order", "id")
    )


class ActionForm(forms.Form):
    """The inputs of one workflow action (spec) on one case."""

    def __init__(
        self, spec, case, *, user, data_source, replies=(), suggestion=None, guess=None, **kwargs
    ):
        kwargs.setdefault("prefix", spec.name)
        super().__init__(**kwargs)
        self.guess = guess  # (category, confidence) the category suggestion prefers
        self.spec, self.case, self.user, self.source = spec, case, user, data_source
        wanted = set(spec.needs) | set(spec.accepts)
        # Asked only while a co-party has not reported on its share (workflow rule).
        self.open_shares = unreported_shares(case) if "open_shares_reason" in wanted else []
        if not self.open_shares:
            wanted.discard("open_shares_reason")
        for name in FIELD_ORDER:
            if name in wanted:
                self.fields[name] = self._field(name, name in spec.needs, suggestion)
        text = next((n for n in TEXT_INPUTS if n in self.fields), None)
        self.text_field = text
        if text and replies:
            self.fields["reply"] = forms.ChoiceField(
                label=_("Standard reply"),
                required=False,
                choices=[("", "—")] + [(str(r.pk), r.text) for r in replies],
                help_text=_(
                    "Fills in the text above; without JavaScript it is used when the text is empty."
                ),
            )
            self.fields["reply"].widget.attrs["data-fills"] = self[text].auto_id
            self._replies = {str(r.pk): r.text for r in replies}

    def _field(self, name, needed, suggestion):
        if name == "category":
            return forms.ChoiceField(
                label=_("New category"),
                required=False,
                choices=[("", "—"), *category_choices(leaves_only=True)],
                initial=str(self.guess[0].pk) if self.guess else None,
                help_text=_("Suggested from the description.") if self.guess else "",
            )
        if name == "lead_party":
            initial = None
            if suggestion and suggestion.lead_party.pk != self.case.lead_party_id:
                initial = str(suggestion.lead_party.pk)
            return forms.ChoiceField(
                label=_("Lead party"),
                required=False,
                choices=[("", "—"), *self.source.party_choices()],
                initial=initial,
                help_text=_("Suggested by the routing rules.") if initial else "",
            )
        if name == "co_parties":
            initial = [str(p.pk) for p in suggestion.co_parties] if suggestion else []
            return forms.MultipleChoiceField(
                label=_("Co-parties"),
                required=False,
                choices=self.source.party_choices(),
                initial=initial,
                widget=forms.SelectMultiple(attrs={"size": 5}),
            )
        if name == "deadline":
            return forms.DateTimeField(
                label=_("Deadline"),
                required=False,
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
            )
        if name == "duplicate_of":
            return forms.CharField(
                label=_("Duplicate of case"),
                required=False,
                max_length=24,
                help_text=_(
                    "For a duplicate: the number of the case it repeats, e.g. HM-2026-000123."
                ),
            )
        if name == "photos":
            return PhotosField(label=_("Photos"), help_text=_("Up to 5 photos."))
        if name == "open_shares_reason":
            names = "、".join(share.party.label for share in self.open_shares)
            return PlainTextField(
                label=_("Why resolve before every co-party has reported"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Not reported on their share yet: %(parties)s.") % {"parties": names},
            )
        label = _("Reason") if name == "reason" else _("Note")
        if self.spec.name == "resolve":
            label = pgettext_lazy("resolve", "Result")
        return PlainTextField(
            label=label, required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
        )

    @property
    def needed(self):
        return set(self.spec.needs) | ({"open_shares_reason"} & set(self.fields))

    def clean_lead_party(self):
        value = self.cleaned_data.get("lead_party")
        return self.source.party(value) if value else None

    def clean_category(self):
        value = self.cleaned_data.get("category")
        if not value:
            return None
        category = Category.objects.filter(pk=value, is_active=True).first()
        if category is None:
            raise forms.ValidationError(_("Choose a category."))
        return category

    def clean_co_parties(self):
        return [self.source.party(pk) for pk in self.cleaned_data.get("co_parties") or []]

    def clean_duplicate_of(self):
        number = (self.cleaned_data.get("duplicate_of") or "").strip().upper()
        if not number:
            return None
        original = Case.objects.visible_to(self.user).filter(number=number).first()
        if original is None:
            raise forms.ValidationError(_("There is no case with this number."))
        return original

    def clean(self):
        data = super().clean()
        reply = data.pop("reply", "") if "reply" in self.fields else ""
        if reply and self.text_field and not (data.get(self.text_field) or "").strip():
            data[self.text_field] = self._replies.get(reply, "")
        return data

    def inputs(self):
        """The cleaned values as perform()'s keyword arguments; empty ones left out."""
        out = {}
        for name in set(self.spec.needs) | set(self.spec.accepts):
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            out[name] = value
        return out

    def add_refusal(self, error):
        """Show a WorkflowError next to the field it names, else above the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error))


class BulkForm(forms.Form):
    DISPATCH, REJECT = "dispatch", "reject"

    operation = forms.ChoiceField(
        label=_("With the selected cases"),
        choices=[(DISPATCH, _("Dispatch to one party")), (REJECT, _("Reject"))],
    )
    numbers = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    lead_party = forms.ChoiceField(label=_("Lead party"), required=False)
    reason = PlainTextField(
        label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["lead_party"].choices = [("", "—"), *source.party_choices()]

    def clean_numbers(self):
        numbers = [n.strip().upper() for n in self.cleaned_data.get("numbers") or [] if n.strip()]
        if not numbers:
            raise forms.ValidationError(_("Select at least one case."))
        if len(numbers) > 100:
            raise forms.ValidationError(_("Select at most 100 cases at once."))
        return list(dict.fromkeys(numbers))

    def clean_lead_party(self):
        value = self.cleaned_data.get("lead_party")
        return self.source.party(value) if value else None


class PatrolForm(forms.Form):
    """A case an inspector finds on patrol (or a dispatcher takes by phone)."""

    category = forms.ChoiceField(label=_("Category"))
    description = PlainTextField(
        label=_("What is the problem?"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    area = forms.ChoiceField(label=_("Where (compound, road or building)"), required=False)
    address = PlainTextField(label=_("Address or landmark"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Case.Priority.choices, initial=Case.Priority.NORMAL
    )
    photos = PhotosField(label=_("Photos"), help_text=_("Up to 5 photos."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *category_choices(leaves_only=True)]
        self.fields["area"].choices = [("", "—"), *area_choices()]

    def clean_category(self):
        return Category.objects.filter(pk=self.cleaned_data["category"]).first()

    def clean_area(self):
        value = self.cleaned_data.get("area")
        return routing.area_by_id(int(value)) if value else None

    def clean(self):
        data = super().clean()
        no_point = data.get("lat") is None or data.get("lng") is None
        if not data.get("area") and no_point and not self.has_error("area"):
            self.add_error("area", _("Choose the place, or use your location."))
        return data


class SaveFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of this filter"), max_length=60)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)
