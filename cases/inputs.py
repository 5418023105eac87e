"""The inputs of a workflow action, checked and normalised before anything changes: each
input by its own rule (INPUT_RULES), then the rules of the action as a whole
(ACTION_RULES). cases.workflow.perform() calls clean_inputs(); the table of which action
needs or accepts which input is the workflow's (Spec.needs, Spec.accepts).
"""

from datetime import datetime
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.errors import InvalidInput, MissingInput
from cases.models import Case, Category, Party, State

# The longest reason, note or description anyone may write.
MAX_TEXT = 4000


def clean_inputs(spec, case, inputs, at):
    """The inputs of `spec` checked and normalised: first each input by its own rule
    (INPUT_RULES), then the rules of the action as a whole (ACTION_RULES)."""
    unknown = set(inputs) - set(spec.needs) - set(spec.accepts) - {"data"}
    if unknown:
        raise TypeError(f"{spec.name} takes no {', '.join(sorted(unknown))}")
    for name in spec.needs:
        value = inputs.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise MissingInput(_MISSING[name], field=name)
    clean = dict(inputs)
    clean["co_parties"] = clean.get("co_parties") or []
    for name, rule in INPUT_RULES.items():
        if name in clean:
            clean[name] = rule(clean[name], clean=clean, case=case, at=at)
    for rule in ACTION_RULES.get(spec.name, ()):
        rule(case, clean)
    return clean


def _text(value, *, field, **context):
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise InvalidInput(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}, field=field
        )
    return value


def _optional(rule):
    """The rule for an input that may be given as None (left out): None stays None."""

    def checked(value, **context):
        return None if value is None else rule(value, **context)

    return checked


def _lead_party(party, **context):
    _check_party(party, "lead_party")
    return party


def _co_parties(parties, *, clean, **context):
    lead, chosen = clean.get("lead_party"), []
    for party in parties:
        _check_party(party, "co_parties")
        if lead is not None and party.pk == lead.pk:
            raise InvalidInput(_("The lead party cannot also be a co-party."), field="co_parties")
        if party not in chosen:
            chosen.append(party)
    return chosen


def _deadline(deadline, *, at, **context):
    """A moment in the future, and not beyond the horizon any deadline may be set to."""
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        raise InvalidInput(_("Give a date and time."), field="deadline")
    if deadline <= at:
        raise InvalidInput(_("The deadline must be in the future."), field="deadline")
    if deadline > at + sla.deadline_horizon():
        raise InvalidInput(
            _("A deadline can be set at most %(days)s days ahead.")
            % {"days": sla.deadline_horizon().days},
            field="deadline",
        )
    return deadline


def _duplicate_of(original, *, case, **context):
    if original.pk == case.pk:
        raise InvalidInput(_("A case cannot duplicate itself."), field="duplicate_of")
    if original.state == State.REJECTED:
        raise InvalidInput(
            _("The original must be a case that was accepted."), field="duplicate_of"
        )
    return original


def _category(category, *, case, **context):
    if not isinstance(category, Category) or not category.is_active or not category.is_leaf:
        raise InvalidInput(_("Choose a category."), field="category")
    if category.pk == case.category_id:
        raise InvalidInput(
            _("The case is in this category already; choose another."), field="category"
        )
    return category


def _rating(rating, **context):
    if rating not in Case.Satisfaction.values:
        raise InvalidInput(_("Choose one of the ratings."), field="rating")
    return rating


# Each input's own rule, by input name: it gets the value and returns it cleaned or raises.
INPUT_RULES = {
    "reason": partial(_text, field="reason"),
    "note": partial(_text, field="note"),
    "lead_party": _optional(_lead_party),
    "co_parties": _co_parties,
    "deadline": _optional(_deadline),
    "duplicate_of": _optional(_duplicate_of),
    "rating": _optional(_rating),
    "category": _optional(_category),
}


def _not_the_same_party(case, clean):
    if clean["lead_party"].pk == case.lead_party_id:
        raise InvalidInput(
            _("The case is already with this party; choose another."), field="lead_party"
        )


def _later_than_current(case, clean):
    if case.resolve_due and clean["deadline"] <= case.resolve_due:
        raise InvalidInput(_("Ask for a deadline later than the current one."), field="deadline")


def _evidence_if_required(case, clean):
    if case.category.evidence_required and not clean.get("photos"):
        raise MissingInput(_("This category needs a photo of the result."), field="photos")


# Rules of an action as a whole, run in order after the inputs' own rules.
ACTION_RULES = {
    "reassign": (_not_the_same_party,),
    "request_extension": (_later_than_current,),
    "resolve": (_evidence_if_required, lambda case, clean: _check_open_shares(case, clean)),
}


def unreported_shares(case):
    """The active co-party shares of `case` not reported on yet, with their parties."""
    return list(
        case.shares.filter(is_active=True, reported_at__isnull=True)
        .select_related("party")
        .order_by("party__name")
    )


def _check_open_shares(case, clean):
    """The lead party resolves once every co-party has reported on its share, or says why
    it resolves without them (design §6; docs/workflow.md)."""
    reason = (clean.get("open_shares_reason") or "").strip()
    if len(reason) > MAX_TEXT:
        raise InvalidInput(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT},
            field="open_shares_reason",
        )
    open_shares = unreported_shares(case)
    if open_shares and not reason:
        names = "、".join(share.party.label for share in open_shares)
        raise MissingInput(
            _(
                "Co-parties yet to report on their share: %(parties)s. Wait for their "
                "reports, or say why the case is resolved without them."
            )
            % {"parties": names},
            field="open_shares_reason",
        )
    clean["open_shares_reason"] = reason
    clean["open_shares"] = [share.party_id for share in open_shares]


def _check_party(party, field_name):
    if not isinstance(party, Party) or not party.is_active:
        raise InvalidInput(_("Choose an active party."), field=field_name)


_MISSING = {
    "reason": _("Please give a reason."),
    "note": _("Please write a note."),
    "lead_party": _("Choose the lead party."),
    "deadline": _("Give a deadline."),
    "rating": _("Choose a rating."),
    "category": _("Choose a category."),
}
