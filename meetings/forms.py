"""Forms of the joint-meeting pages. They turn what was typed into values; whether a change
may happen is for the functions of agenda.py, minutes.py and decisions.py to say, and their
MeetingError is shown next to the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.choices import PartyChoices
from cases.models import Party
from cases.text import PlainTextField
from meetings.models import Meeting

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
# Parties of these kinds sit on the joint committee: proposed as members of a first meeting.
COMMITTEE_KINDS = (
    Party.Kind.STREET_OFFICE,
    Party.Kind.RESIDENTS_COMMITTEE,
    Party.Kind.OWNERS_COMMITTEE,
    Party.Kind.PROPERTY_COMPANY,
    Party.Kind.MERCHANT_ASSOCIATION,
    Party.Kind.ENFORCEMENT,
    Party.Kind.MARKET_SUPERVISION,
)


def datetime_field(label, **kwargs):
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **kwargs,
    )


def text_field(label, rows=3, required=False, max_length=4000, **kwargs):
    return PlainTextField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class PartyForm(forms.Form):
    """A form whose party fields choose from the active parties, read once per request."""

    party_fields = ()

    def __init__(self, *args, source=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source or PartyChoices()
        for name in self.party_fields:
            field = self.fields[name]
            choices = self.source.party_choices()
            field.choices = (
                choices
                if isinstance(field, forms.MultipleChoiceField)
                else [
                    ("", "—"),
                    *choices,
                ]
            )

    def _party(self, name):
        value = self.cleaned_data.get(name)
        return self.source.party(value) if value else None

    def _parties(self, name):
        return [self.source.party(pk) for pk in self.cleaned_data.get(name) or []]


class MeetingForm(PartyForm):
    party_fields = ("members",)

    title = PlainTextField(label=_("Title"), max_length=200, required=False)
    starts_at = datetime_field(_("Date and time"), required=False)
    place = PlainTextField(label=pgettext_lazy("meeting", "Place"), max_length=200, required=False)
    convener = forms.ChoiceField(label=_("Convener"), required=False)
    members = forms.MultipleChoiceField(
        label=_("Member parties"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They see the meeting, its agenda and minutes."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offices = [p for p in self.source.parties if p.kind == Party.Kind.STREET_OFFICE]
        self.fields["convener"].choices = [(str(p.pk), p.label) for p in offices]
        if offices and not self.is_bound and not self.initial.get("convener"):
            self.initial["convener"] = str(offices[0].pk)

    @classmethod
    def proposed_members(cls, source, previous=None):
        """The members of the last meeting, or else the joint committee's usual parties."""
        if previous is not None:
            return [str(pk) for pk in previous.members.values_list("pk", flat=True)]
        return [str(p.pk) for p in source.parties if p.kind in COMMITTEE_KINDS]

    def clean_convener(self):
        return self._party("convener")

    def clean_members(self):
        return self._parties("members")


class TopicForm(PartyForm):
    party_fields = ("presenter",)

    title = PlainTextField(label=_("Topic"), max_length=200, required=False)
    description = text_field(pgettext_lazy("topic", "Description"))
    presenter = forms.ChoiceField(label=_("Presented by"), required=False)

    def clean_presenter(self):
        return self._party("presenter")


class AddCaseForm(forms.Form):
    number = forms.CharField(max_length=24, widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attach a file"),
        required=False,
        help_text=_("A photo, a PDF, or a Word, Excel or PowerPoint file, up to 10 MB."),
    )


class MinutesForm(forms.Form):
    minutes = text_field(_("Minutes"), rows=4, max_length=20000)


class AttendanceForm(forms.Form):
    attendance = text_field(_("Present"), rows=3, max_length=20000)


class DecisionForm(PartyForm):
    party_fields = ("lead_party", "co_parties")

    lead_party = forms.ChoiceField(label=_("Lead party"), required=False)
    co_parties = forms.MultipleChoiceField(
        label=_("Co-parties"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = datetime_field(pgettext_lazy("decision", "Deadline"), required=False)
    measures = text_field(_("Measures"))

    def clean_lead_party(self):
        return self._party("lead_party")

    def clean_co_parties(self):
        return self._parties("co_parties")


class DeferForm(forms.Form):
    reason = text_field(_("Why defer"), rows=2)


class CorrectionForm(forms.Form):
    item = forms.ChoiceField(label=_("Agenda item"), required=False)
    text = text_field(_("Correction"), rows=3)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {str(i.pk): i for i in items}
        self.fields["item"].choices = [("", _("The minutes as a whole"))] + [
            (str(i.pk), f"{n}. {i.title}") for n, i in enumerate(items, start=1)
        ]

    def clean_item(self):
        return self.items.get(self.cleaned_data.get("item") or "")


class DoneForm(forms.Form):
    note = text_field(_("How it was done"), rows=2)


def add_refusal(form, error):
    """Show a MeetingError next to the field it names, else above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


class AcceptProposalForm(forms.Form):
    """The planned meeting whose agenda a recurring problem joins."""

    meeting = forms.ModelChoiceField(label=_("Meeting"), queryset=None, empty_label=None)

    def __init__(self, *args, meetings, initial_meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["meeting"]
        if isinstance(meetings, list):
            field.queryset = Meeting.objects.filter(pk__in=[m.pk for m in meetings]).order_by(
                "starts_at", "id"
            )
        else:
            field.queryset = meetings
        if initial_meeting is not None:
            field.initial = initial_meeting.pk


class DismissProposalForm(forms.Form):
    reason = text_field(_("Why dismiss"), rows=2)
