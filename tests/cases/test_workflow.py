from datetime import timedelta

import pytest
from django.utils import timezone

from cases import sla, workflow
from cases.models import Attachment, Case, Event, Follower, State
from cases.workflow import Actor
from tests import factories
from tests.factories import act, case_in, staff, tiny_photo


def refused(case, error, action, actor, **inputs):
    """Assert the action is refused with `error` and leaves no trace."""
    before = Case.objects.get(pk=case.pk)
    events = case.events.count()
    with pytest.raises(error) as info:
        workflow.perform(case, action, actor=actor, **inputs)
    after = Case.objects.get(pk=case.pk)
    assert (after.state, after.updated_at, after.lead_party_id) == (
        before.state,
        before.updated_at,
        before.lead_party_id,
    )
    assert case.events.count() == events
    return info.value


# ---------------------------------------------------------------------------- who may act


def test_handler_cannot_accept_another_partys_case(street):
    case = case_in(street, State.DISPATCHED)
    error = refused(case, workflow.NotYourParty, "accept", staff(street, "qinbei"))
    assert error.code == "not_your_party"


def test_co_party_cannot_accept_or_resolve_for_the_lead_party(street):
    case = case_in(street, State.DISPATCHED)
    refused(case, workflow.NotYourParty, "accept", staff(street, "yongzhao"))
    case = case_in(street, State.IN_PROGRESS)
    refused(case, workflow.NotYourParty, "resolve", staff(street, "yongzhao"), note="done")


def test_dispatcher_cannot_accept(street):
    case = case_in(street, State.DISPATCHED)
    error = refused(case, workflow.NotPermitted, "accept", staff(street, "dispatcher"))
    assert "签收" in str(error) or "Accept" in str(error)


def test_inspector_cannot_dispatch(street):
    case = case_in(street, State.REPORTED)
    refused(
        case,
        workflow.NotPermitted,
        "dispatch",
        staff(street, "inspector"),
        lead_party=street.parties["cityops"],
    )


def test_reporter_cannot_verify_with_another_cases_token(street):
    mine = case_in(street, State.RESOLVED)
    other = case_in(street, State.RESOLVED)
    refused(mine, workflow.NotYourParty, "verify", Actor.reporter(other.token))


def test_reporter_verifies_own_resolved_case_through_its_token(street):
    case = case_in(street, State.RESOLVED)
    event = workflow.perform(case, "verify", actor=Actor.reporter(case.token))
    assert (event.case.state, event.actor_role, event.actor_id) == ("closed", "reporter", None)


def test_follower_token_watches_but_cannot_act(street):
    case = case_in(street, State.RESOLVED)
    other = factories.new_case(street)
    follower = workflow.follow(case, other.reporter)
    refused(case, workflow.NotYourParty, "verify", Actor.reporter(follower.token))


def test_reporter_cannot_dispatch(street):
    case = case_in(street, State.REPORTED)
    refused(
        case,
        workflow.NotPermitted,
        "dispatch",
        Actor.reporter(case.token),
        lead_party=street.parties["cityops"],
    )


def test_system_may_dispatch_but_not_resolve(street):
    case = case_in(street, State.REPORTED)
    event = workflow.perform(
        case, "dispatch", actor=Actor.system("rule"), lead_party=street.parties["cityops"]
    )
    assert (event.actor_role, event.cause) == ("system", "rule")
    case = case_in(street, State.IN_PROGRESS)
    refused(case, workflow.NotPermitted, "resolve", Actor.system("rule"), note="x")


def test_signed_out_user_is_refused(street):
    from django.contrib.auth.models import AnonymousUser

    case = case_in(street, State.REPORTED)
    refused(case, workflow.NotPermitted, "note", Actor.staff(AnonymousUser()), note="x")


def test_allowed_actions_follow_role_party_and_state(street):
    case = case_in(street, State.IN_PROGRESS)
    allowed = {
        u: workflow.allowed_actions(case, staff(street, u))
        for u in ("hangtian", "yongzhao", "qinbei", "dispatcher", "supervisor")
    }
    assert allowed == {
        "hangtian": ["escalate", "resolve", "note", "contact", "request_extension", "show_contact"],
        "yongzhao": ["note", "report_share", "show_contact"],
        "qinbei": [],
        "dispatcher": ["reassign", "escalate", "note", "show_contact", "recategorise"],
        "supervisor": ["note", "supervise", "show_contact"],
    }
    assert workflow.allowed_actions(case, Actor.reporter(case.token)) == []


# ---------------------------------------------------------------------------- inputs


def test_reason_is_required_to_reject(street):
    case = case_in(street, State.REPORTED)
    error = refused(
        case, workflow.MissingInput, "reject", staff(street, "dispatcher"), reason="   "
    )
    assert (error.code, error.field) == ("missing_input", "reason")


def test_reassign_needs_a_different_party(street):
    case = case_in(street, State.DISPATCHED)
    error = refused(
        case,
        workflow.InvalidInput,
        "reassign",
        staff(street, "dispatcher"),
        lead_party=street.parties["rc-hangtian"],
        reason="改派",
    )
    assert error.field == "lead_party"


def test_lead_party_cannot_be_a_co_party(street):
    case = case_in(street, State.REPORTED)
    cityops = street.parties["cityops"]
    error = refused(
        case,
        workflow.InvalidInput,
        "dispatch",
        staff(street, "dispatcher"),
        lead_party=cityops,
        co_parties=[cityops],
    )
    assert error.field == "co_parties"


def test_inactive_party_cannot_be_chosen(street):
    case = case_in(street, State.REPORTED)
    cityops = street.parties["cityops"]
    cityops.is_active = False
    try:
        refused(
            case, workflow.InvalidInput, "dispatch", staff(street, "dispatcher"), lead_party=cityops
        )
    finally:
        cityops.is_active = True


def test_decision_deadline_must_be_in_the_future(street):
    case = case_in(street, State.AWAITING_MEETING)
    error = refused(
        case,
        workflow.InvalidInput,
        "decide",
        staff(street, "secretary"),
        lead_party=street.parties["cityops"],
        deadline=timezone.now() - timedelta(hours=1),
    )
    assert error.field == "deadline"


@pytest.mark.parametrize(
    "action, who", [("decide", "secretary"), ("request_extension", "hangtian")]
)
def test_a_deadline_lies_at_most_two_years_ahead(street, action, who):
    """HONGMEI_DEADLINE_HORIZON_DAYS (730 by default): a meeting's decision or an extension
    to 31 December 9999 is refused with a message, and 730 days ahead is still accepted."""
    state = State.AWAITING_MEETING if action == "decide" else State.IN_PROGRESS
    case = case_in(street, state)
    inputs = {"lead_party": street.parties["cityops"]} if action == "decide" else {"reason": "等"}
    now = timezone.now()
    far = now.replace(year=9999, month=12, day=31)
    error = refused(case, workflow.InvalidInput, action, staff(street, who), deadline=far, **inputs)
    assert error.field == "deadline" and "730" in str(error)
    refused(
        case,
        workflow.InvalidInput,
        action,
        staff(street, who),
        deadline=now + timedelta(days=731),
        **inputs,
    )
    case = act(street, case, action, who, deadline=now + timedelta(days=729), **inputs)
    field = "resolve_due" if action == "decide" else "extension_requested_until"
    assert getattr(case, field) == now + timedelta(days=729)


def test_extension_must_ask_for_a_later_deadline(street):
    case = case_in(street, State.IN_PROGRESS)
    refused(
        case,
        workflow.InvalidInput,
        "request_extension",
        staff(street, "hangtian"),
        deadline=case.resolve_due - timedelta(hours=1),
        reason="x",
    )


def test_signboard_cannot_be_resolved_without_a_photo(street):
    case = case_in(street, State.IN_PROGRESS, category="signboard")
    error = refused(case, workflow.MissingInput, "resolve", staff(street, "hangtian"), note="ok")
    assert error.field == "photos"


def test_case_cannot_duplicate_itself(street):
    case = case_in(street, State.REPORTED)
    refused(
        case,
        workflow.InvalidInput,
        "reject",
        staff(street, "dispatcher"),
        reason="重复",
        duplicate_of=case,
    )


def test_unknown_rating_is_refused(street):
    case = case_in(street, State.CLOSED)
    refused(case, workflow.InvalidInput, "rate", Actor.reporter(case.token), rating="great")


def test_unknown_action_is_refused(street):
    case = case_in(street, State.REPORTED)
    refused(case, workflow.UnknownAction, "delete", staff(street, "dispatcher"))


def test_unexpected_input_is_a_programming_error(street):
    case = case_in(street, State.DISPATCHED)
    with pytest.raises(TypeError):
        workflow.perform(case, "accept", actor=staff(street, "hangtian"), deadline=None)


# ---------------------------------------------------------------------------- guards


def test_only_one_extension_request_at_a_time(street):
    case = case_in(street, State.IN_PROGRESS)
    later = case.resolve_due + timedelta(days=2)
    act(street, case, "request_extension", "hangtian", deadline=later, reason="等待")
    refused(
        case,
        workflow.NotNow,
        "request_extension",
        staff(street, "hangtian"),
        deadline=later + timedelta(days=1),
        reason="again",
    )


def test_extension_cannot_be_approved_when_none_was_asked(street):
    case = case_in(street, State.IN_PROGRESS)
    refused(case, workflow.NotNow, "approve_extension", staff(street, "dispatcher"))


def test_approved_extension_moves_the_resolution_deadline(street):
    case = case_in(street, State.IN_PROGRESS)
    later = case.resolve_due + timedelta(days=2)
    act(street, case, "request_extension", "hangtian", deadline=later, reason="等待")
    event = workflow.perform(case, "approve_extension", actor=staff(street, "dispatcher"))
    assert (event.case.resolve_due, event.case.due_at) == (later, later)
    assert event.case.extension_requested_until is None
    assert event.data["to"] == later.isoformat()


def test_result_can_be_rated_once(street):
    case = case_in(street, State.CLOSED)
    act(street, case, "rate", "reporter", rating="satisfied")
    refused(case, workflow.NotNow, "rate", Actor.reporter(case.token), rating="dissatisfied")


def test_reporter_reopens_only_after_a_dissatisfied_rating(street):
    case = case_in(street, State.CLOSED)
    refused(case, workflow.NotNow, "reopen", Actor.reporter(case.token), reason="没修好")
    act(street, case, "rate", "reporter", rating="dissatisfied")
    case = act(street, case, "reopen", "reporter", reason="没修好")
    assert (case.state, case.reopen_count, case.satisfaction, case.lead_party) == (
        "reported",
        1,
        "",
        None,
    )


def test_reporter_cannot_reopen_after_seven_days(street):
    closed_at = timezone.now() - timedelta(days=8)
    case = case_in(street, State.CLOSED, at=closed_at)
    act(street, case, "rate", "reporter", rating="dissatisfied", at=closed_at)
    error = refused(case, workflow.NotNow, "reopen", Actor.reporter(case.token), reason="x")
    assert "7" in str(error)
    # A supervisor still may.
    assert act(street, case, "reopen", "supervisor", reason="领导批示").state == "reported"


def test_dispute_is_recorded_once_and_leaves_the_state(street):
    case = case_in(street, State.RESOLVED)
    case = act(street, case, "dispute", "reporter", reason="没处理")
    assert (case.state, case.disputed_at is not None) == ("resolved", True)
    refused(case, workflow.NotNow, "dispute", Actor.reporter(case.token), reason="again")


def test_co_party_reports_its_share_once(street):
    case = case_in(street, State.IN_PROGRESS)
    act(street, case, "report_share", "yongzhao", note="已清理楼道")
    share = case.shares.get(party=street.parties["rc-yongzhao"])
    assert (share.report, share.reported_at is not None) == ("已清理楼道", True)
    refused(case, workflow.NotNow, "report_share", staff(street, "yongzhao"), note="again")


# ---------------------------------------------------------------------------- effects


def test_dispatch_sets_the_categorys_working_time_limits(street):
    at = factories.aware(2026, 11, 20, 16, 0)  # a Friday afternoon
    case = factories.new_case(street, "litter", at=at)
    event = workflow.perform(
        case,
        "dispatch",
        actor=staff(street, "dispatcher"),
        at=at,
        lead_party=street.parties["greening"],
    )
    case = event.case
    litter = street.categories["litter"]
    assert case.accept_due == sla.add_working_hours(at, litter.accept_hours)
    assert case.accept_due == factories.aware(2026, 11, 20, 17, 0)
    assert case.contact_due == factories.aware(2026, 11, 23, 11, 0)  # 4 h: 2 Fri + 2 Mon
    assert case.resolve_due == factories.aware(2026, 11, 23, 11, 0)
    assert case.due_at == case.accept_due
    assert event.data["lead_party"] == street.parties["greening"].pk


def test_urgent_category_counts_calendar_hours(street):
    at = factories.aware(2026, 11, 21, 22, 0)  # Saturday night
    case = factories.new_case(street, "fire-escape", at=at)
    case = act(street, case, "dispatch", "dispatcher", at=at, lead_party=street.parties["cityops"])
    assert case.accept_due == at + timedelta(hours=1)
    assert case.resolve_due == at + timedelta(hours=8)


def test_dispatch_gives_co_parties_their_shares_and_reassign_withdraws_them(street):
    case = case_in(street, State.DISPATCHED)
    assert list(case.shares.filter(is_active=True).values_list("party__code", flat=True)) == [
        "rc-yongzhao"
    ]
    case = act(
        street,
        case,
        "reassign",
        "dispatcher",
        lead_party=street.parties["cityops"],
        reason="属于城管职责",
    )
    assert case.lead_party.code == "cityops"
    assert not case.shares.filter(is_active=True).exists()
    assert Case.objects.visible_to(street.users["yongzhao"]).filter(pk=case.pk).count() == 0


def test_return_clears_the_party_and_counts(street):
    case = case_in(street, State.DISPATCHED, at=factories.aware(2026, 11, 23, 9, 0))
    monday_10 = factories.aware(2026, 11, 23, 10, 0)
    case = act(street, case, "return", "hangtian", reason="不属于本居委", at=monday_10)
    # Back with the dispatcher: only intake's clock runs (two working hours).
    intake = factories.aware(2026, 11, 23, 12, 0)
    assert (case.state, case.lead_party, case.return_count, case.due_at) == (
        "reported",
        None,
        1,
        intake,
    )
    assert (case.accept_due, case.contact_due, case.resolve_due) == (None, None, None)
    assert case.events.last().data == {
        "returned_by": street.parties["rc-hangtian"].pk,
        "dispatch_due": intake.isoformat(),
    }


def test_rework_counts_and_restarts_the_resolution_clock(street):
    case = case_in(street, State.RESOLVED)
    case = act(street, case, "rework", "inspector", reason="未整改")
    assert (case.state, case.rework_count, case.resolved_at, case.verify_due) == (
        "in_progress",
        1,
        None,
        None,
    )
    assert case.due_at == case.resolve_due > timezone.now()


def test_first_contact_is_timed_once(street):
    case = case_in(street, State.IN_PROGRESS)
    first = workflow.perform(case, "contact", actor=staff(street, "hangtian"), note="电话")
    second = workflow.perform(case, "contact", actor=staff(street, "hangtian"), note="上门")
    assert first.data == {"first": True, "within_limit": True}
    assert second.data == {"first": False, "within_limit": False}
    assert second.case.contacted_at == first.created_at


def test_rejecting_a_duplicate_makes_its_reporter_follow_the_original(street):
    original = case_in(street, State.IN_PROGRESS)
    duplicate = case_in(street, State.REPORTED)
    act(street, duplicate, "reject", "dispatcher", reason="重复报告", duplicate_of=original)
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.duplicate_of) == ("rejected", original)
    assert Follower.objects.filter(case=original, reporter=duplicate.reporter).exists()
    merge = original.events.get(kind="merge")
    assert merge.data == {"from_case": duplicate.number}


def test_resolve_stores_evidence_photos_on_its_event(street):
    case = case_in(street, State.IN_PROGRESS, category="signboard")
    act(street, case, "report_share", "yongzhao", note="已配合")
    event = workflow.perform(
        case, "resolve", actor=staff(street, "hangtian"), note="已整改", photos=[tiny_photo()]
    )
    attachment = Attachment.objects.get(event=event)
    assert (attachment.kind, attachment.content_type, attachment.width) == (
        "evidence",
        "image/jpeg",
        8,
    )
    assert attachment.file.storage.exists(attachment.file.name)


def test_refused_action_leaves_no_stored_photo(street, monkeypatch):
    case = case_in(street, State.IN_PROGRESS, category="signboard")
    act(street, case, "report_share", "yongzhao", note="已配合")
    stored = []
    original = workflow._store_photos

    def store_then_fail(case, event, photos, kind, names):
        original(case, event, photos, kind, names)
        stored.extend(names)
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow, "_store_photos", store_then_fail)
    with pytest.raises(RuntimeError):
        workflow.perform(
            case, "resolve", actor=staff(street, "hangtian"), note="x", photos=[tiny_photo()]
        )
    assert stored and not stored[0].storage.exists(stored[0].name)
    assert not Attachment.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).state == "in_progress"


# ---------------------------------------------------------------------------- filing


def test_filing_numbers_cases_per_year_and_resolves_the_area(street):
    first = factories.new_case(street)
    second = factories.new_case(street)
    year = timezone.localdate().year
    n = int(first.number.rsplit("-", 1)[1])
    assert first.number.startswith(f"HM-{year}-")
    assert second.number == f"HM-{year}-{n + 1:06d}"
    assert first.area.code == "compound-hangtian-2"
    assert len(first.token) >= 32 and first.token != second.token
    event = first.events.get()
    assert (event.kind, event.to_state, event.actor_role) == ("file", "reported", "reporter")


def test_filing_auto_dispatches_when_the_rule_says_so(street):
    case = factories.new_case(street, "corridor-clutter", route=True)
    assert (case.state, case.lead_party.code) == ("dispatched", "property-hongmei")
    dispatch = case.events.get(kind="dispatch")
    assert dispatch.actor_role == "system" and dispatch.cause.startswith("routing rule ")


def test_filing_without_an_auto_rule_waits_for_the_dispatcher(street):
    case = factories.new_case(street, "noise", route=True)
    assert (case.state, case.lead_party) == ("reported", None)


def test_filing_needs_a_description_and_a_sub_category(street):
    with pytest.raises(workflow.MissingInput):
        factories.new_case(street, description=" ")
    with pytest.raises(workflow.InvalidInput):
        factories.new_case(street, "city-appearance")
    assert not Case.objects.exists()


def test_handler_cannot_file_cases(street):
    with pytest.raises(workflow.NotPermitted):
        workflow.file_case(
            actor=staff(street, "hangtian"),
            category=street.categories["litter"],
            description="x",
            channel="patrol",
        )


# ---------------------------------------------------------------------------- visibility


def test_handler_sees_only_cases_of_their_party(street):
    lead = case_in(street, State.DISPATCHED)  # 航天新苑 lead, 永兆 co-party
    other = factories.new_case(street)
    act(street, other, "dispatch", "dispatcher", lead_party=street.parties["cityops"])
    visible = {
        u: set(Case.objects.visible_to(street.users[u]).values_list("pk", flat=True))
        for u in ("hangtian", "yongzhao", "qinbei", "cityops", "dispatcher")
    }
    assert visible["hangtian"] == {lead.pk}
    assert visible["yongzhao"] == {lead.pk}
    assert visible["qinbei"] == set()
    assert visible["cityops"] == {other.pk}
    assert visible["dispatcher"] == {lead.pk, other.pk}


def test_overdue_and_due_soon_follow_the_current_deadline(street):
    now = timezone.now()
    case = case_in(street, State.DISPATCHED)
    assert not Case.objects.overdue(now).filter(pk=case.pk).exists()
    assert Case.objects.overdue(case.accept_due + timedelta(minutes=1)).filter(pk=case.pk).exists()
    before = case.accept_due - timedelta(minutes=30)
    assert Case.objects.open().filter(pk=case.pk, due_at__gt=before).exists()
    closed = case_in(street, State.CLOSED)
    assert not Case.objects.overdue(now + timedelta(days=400)).filter(pk=closed.pk).exists()


def test_every_event_kind_has_a_label():
    assert set(workflow.ACTIONS) | {"file", "merge", "anonymise"} == set(workflow.EVENT_LABELS)
    assert Event._meta.get_field("kind").max_length >= max(map(len, workflow.EVENT_LABELS))


def test_a_deadline_without_a_time_zone_is_refused(street):
    """A deadline is a moment: a date and time without its zone is an input error, not a
    guess (and never a crash comparing it with the clock)."""
    case = case_in(street, State.AWAITING_MEETING)
    naive = (timezone.now() + timedelta(days=3)).replace(tzinfo=None)
    error = refused(
        case,
        workflow.InvalidInput,
        "decide",
        staff(street, "secretary"),
        lead_party=street.parties["cityops"],
        deadline=naive,
    )
    assert error.field == "deadline"


def test_a_note_of_exactly_4000_characters_is_taken_and_one_more_is_refused(street):
    """Notes and reasons hold up to 4,000 characters (docs/workflow.md), not one more."""
    case = case_in(street, State.IN_PROGRESS)
    refused(case, workflow.InvalidInput, "note", staff(street, "hangtian"), note="记" * 4001)
    case = act(street, case, "note", "hangtian", note="记" * 4000)
    assert case.events.latest("pk").note == "记" * 4000
