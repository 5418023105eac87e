"""The dashboard's filters (period, party, category, area) and the monthly report's month.

Choices come from the street's configuration read once per page (board.Config), and a
handler's party choices are their own parties only."""

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from dashboard import board


def _tree_choices(items):
    """Choices in tree order, each level indented by a wide space."""
    children = {}
    for item in items.values():
        children.setdefault(item.parent_id, []).append(item)
    choices = []

    def walk(parent, depth):
        for item in children.get(parent, []):
            choices.append((item.id, "\u3000" * depth + str(item.label)))
            walk(item.id, depth + 1)

    walk(None, 0)
    return choices


class _Filters(forms.Form):
    party = forms.TypedChoiceField(label=_("Party"), coerce=int, required=False, empty_value=None)
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None
    )
    area = forms.TypedChoiceField(label=_("Area"), coerce=int, required=False, empty_value=None)

    def __init__(self, data=None, *, config, scope, today):
        super().__init__(data)
        self.config, self.scope, self.today = config, scope, today
        everyone = _("All parties") if scope is None else _("All my parties")
        self.fields["party"].choices = [("", everyone)] + [
            (p.id, p.label) for p in config.parties.values() if scope is None or p.id in scope
        ]
        categories = _tree_choices(config.categories)
        self.fields["category"].choices = [("", _("All categories")), *categories]
        self.fields["area"].choices = [("", _("The whole street")), *_tree_choices(config.areas)]

    def _selection(self, start, end):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return self.config.selection(
            start,
            end,
            scope=self.scope,
            party=data.get("party"),
            category=data.get("category"),
            area=data.get("area"),
        )

    def filters(self):
        """The chosen filters as query parameters (for links to other pages)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {k: data[k] for k in ("party", "category", "area") if data.get(k)}


class FilterForm(_Filters):
    period = forms.ChoiceField(
        label=_("Period"), choices=board.PERIODS, required=False, initial="month"
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    by = forms.ChoiceField(
        label=_("Table"), choices=board.BREAKDOWNS, required=False, initial="category"
    )
    field_order = ["period", "start", "end", "party", "category", "area", "by"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start or end or data.get("period") == "custom":
            data["period"] = "custom"
            if not start:
                self.add_error("start", _("Give the first day of the range."))
            if not end:
                self.add_error("end", _("Give the last day of the range."))
            if start and end:
                if end > self.today:
                    self.add_error("end", _("The range cannot end after today."))
                elif start > end:
                    self.add_error("start", _("The first day must not come after the last."))
                elif (end - start).days >= board.MAX_DAYS:
                    self.add_error(
                        "end", _("Choose at most %(days)s days.") % {"days": board.MAX_DAYS}
                    )
        return data

    def choice(self):
        """(Selection, period, breakdown): what was asked, or this month on bad input."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or "month"
        start, end = board.period_dates(period, self.today, data.get("start"), data.get("end"))
        return self._selection(start, end), period, data.get("by") or "category"


class ReportForm(_Filters):
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    field_order = ["month", "party", "category", "area"]

    def clean_month(self):
        month = self.cleaned_data.get("month")
        if month and month.replace(day=1) > self.today:
            raise forms.ValidationError(_("Choose this month or an earlier one."))
        if month and month < self.today - timedelta(days=20 * 366):
            raise forms.ValidationError(_("Choose a month of the last twenty years."))
        return month

    def choice(self):
        """The Selection of the month asked for (this month on bad input)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        first = (data.get("month") or self.today).replace(day=1)
        start, end = board.month_dates(first, self.today)
        return self._selection(start, end)
