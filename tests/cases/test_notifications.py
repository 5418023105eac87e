"""Who hears what, and how the outbox delivers it (cases/notifications.py)."""

import smtplib
from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from cases import notifications, sms, tasks, wording, workflow
from cases.models import Notification, Reporter, StaffProfile, State
from cases.workflow import Actor
from tests import factories
from tests.factories import act, case_in, new_case

Channel, Status = Notification.Channel, Notification.Status


def heard(case, kind=None):
    """(who, channel, template) of every notification about `case` (of `kind`)."""
    rows = Notification.objects.filter(case=case).select_related("user")
    if kind:
        rows = rows.filter(kind=kind)
    found = set()
    for n in rows:
        if n.user_id:
            who = n.user.username
        else:
            who = "reporter" if n.reporter_id == case.reporter_id else f"follower {n.reporter_id}"
        found.add((who, n.channel, n.template))
    return found


def staff_hears(username, template):
    return {(username, Channel.APP, template), (username, Channel.EMAIL, template)}


@pytest.fixture
def sms_outbox(settings):
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    sms.MemoryBackend.outbox = []
    return sms.MemoryBackend.outbox


# ---------------------------------------------------------------------------- who hears what


def test_reporter_hears_of_receipt_with_the_private_tracking_link(street, settings):
    settings.SITE_URL = "https://cases.hongmei.example"
    case = new_case(street)
    assert heard(case) == {("reporter", Channel.EMAIL, "reporter/file")}
    message = wording.render(Notification.objects.get(case=case))
    assert f"https://cases.hongmei.example/t/{case.token}/" in message.text
    assert case.number in message.subject


def test_dispatch_tells_the_reporter_the_lead_partys_handlers_and_the_co_parties(street):
    case = case_in(street, State.DISPATCHED)
    assert heard(case, "dispatch") == {
        ("reporter", Channel.EMAIL, "reporter/dispatch"),
        *staff_hears("hangtian", "staff/dispatch"),
        *staff_hears("yongzhao", "staff/share"),
    }


def test_automatic_dispatch_by_a_routing_rule_tells_the_party_too(street):
    # Litter in a compound the property company manages goes to it at once.
    case = new_case(street, "litter", route=True)
    assert case.state == State.DISPATCHED
    assert {who for who, _, _ in heard(case, "dispatch")} == {"reporter", "property"}


def test_reassignment_tells_the_new_lead_party_only(street):
    case = case_in(street, State.IN_PROGRESS)
    qinbei = street.parties["rc-qinbei"]
    act(street, case, "reassign", "dispatcher", lead_party=qinbei, reason="属钦北管辖")
    assert heard(case, "reassign") == staff_hears("qinbei", "staff/reassign")


def test_rework_tells_the_lead_partys_handlers(street):
    case = case_in(street, State.RESOLVED)
    act(street, case, "rework", "inspector", reason="现场仍有垃圾")
    assert heard(case, "rework") == staff_hears("hangtian", "staff/rework")


def test_supervision_tells_the_lead_party_and_the_other_supervisors(street, django_user_model):
    other = django_user_model.objects.create_user("duty-2", email="duty2@example.com")
    other.memberships.create(party=street.parties["street-office"], role="supervisor")
    case = case_in(street, State.IN_PROGRESS)
    act(street, case, "supervise", "supervisor", note="请加快")
    assert heard(case, "supervise") == {
        *staff_hears("hangtian", "staff/supervise"),
        *staff_hears("duty-2", "staff/supervise"),
    }


def test_returns_and_extension_requests_reach_the_dispatchers(street):
    case = case_in(street, State.DISPATCHED)
    act(street, case, "return", "hangtian", reason="不属于本单位")
    assert heard(case, "return") == staff_hears("dispatcher", "staff/return")
    case = case_in(street, State.IN_PROGRESS)
    later = case.resolve_due + timedelta(days=5)
    act(street, case, "request_extension", "hangtian", deadline=later, reason="等待配合")
    assert heard(case, "request_extension") == staff_hears("dispatcher", "staff/request_extension")


def test_a_joint_meeting_decision_reaches_the_lead_party_and_co_parties(street):
    case = case_in(street, State.AWAITING_MEETING)
    act(
        street,
        case,
        "decide",
        "secretary",
        lead_party=street.parties["cityops"],
        co_parties=[street.parties["rc-hangtian"]],
        deadline=timezone.now() + timedelta(days=10),
        note="城管牵头，居委配合",
    )
    assert heard(case, "decide") == {
        *staff_hears("cityops", "staff/decide"),
        *staff_hears("hangtian", "staff/share"),
    }


def test_resolution_closure_rejection_and_reopening_reach_the_reporter(street):
    case = case_in(street, State.CLOSED)
    assert heard(case, "resolve") == {("reporter", Channel.EMAIL, "reporter/resolve")}
    assert heard(case, "verify") == {("reporter", Channel.EMAIL, "reporter/verify")}
    act(street, case, "rate", "reporter", rating="dissatisfied")
    act(street, case, "reopen", "reporter", reason="又脏了")
    assert heard(case, "reopen") == {("reporter", Channel.EMAIL, "reporter/reopen")}
    rejected = case_in(street, State.REJECTED)
    assert heard(rejected, "reject") == {("reporter", Channel.EMAIL, "reporter/reject")}
    message = wording.render(Notification.objects.get(case=rejected, kind="reject"))
    assert "不属于街道管辖" in message.text


def test_steps_nobody_needs_to_hear_of_write_nothing(street):
    case = case_in(street, State.IN_PROGRESS)
    act(street, case, "contact", "hangtian", note="已电话联系")
    act(street, case, "note", "dispatcher", note="跟进")
    assert not Notification.objects.filter(case=case, kind__in=["accept", "contact", "note"])


def test_followers_hear_what_the_reporter_hears_through_their_own_link(street):
    case = case_in(street, State.REPORTED)
    neighbour = Reporter.objects.create(phone="13900000001", email="n@example.com")
    follower = workflow.follow(case, neighbour)
    assert heard(case, "follow") == {(f"follower {neighbour.pk}", Channel.EMAIL, "reporter/follow")}
    act(street, case, "dispatch", "dispatcher", lead_party=street.parties["rc-hangtian"])
    assert (f"follower {neighbour.pk}", Channel.EMAIL, "reporter/dispatch") in heard(case)
    row = Notification.objects.get(case=case, kind="dispatch", reporter=neighbour)
    text = wording.render(row).text
    assert f"/t/{follower.token}/" in text and case.token not in text


def test_the_reporter_of_a_rejected_duplicate_follows_the_original_and_hears_its_end(street):
    original = case_in(street, State.IN_PROGRESS)
    duplicate = case_in(street, State.REPORTED)
    act(street, duplicate, "reject", "dispatcher", reason="重复报告", duplicate_of=original)
    message = wording.render(Notification.objects.get(case=duplicate, kind="reject"))
    assert original.number in message.text
    act(street, original, "report_share", "yongzhao", note="已配合")
    act(street, original, "resolve", "hangtian", note="已清理")
    assert (f"follower {duplicate.reporter_id}", Channel.EMAIL, "reporter/resolve") in heard(
        original
    )


def test_a_reporter_reached_by_phone_only_gets_a_text_message(street):
    case = new_case(street, reporter=False)
    assert heard(case) == set()
    reporter = Reporter.objects.create(phone="13800000000")
    case = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="垃圾",
        channel="web",
        reporter=reporter,
        route=False,
    )
    assert heard(case) == {("reporter", Channel.SMS, "reporter/file")}


def test_inactive_staff_and_staff_without_email_hear_in_the_portal_only(street):
    street.users["yongzhao"].memberships.update(is_active=False)
    hangtian = street.users["hangtian"]
    hangtian.email = ""
    hangtian.save()
    case = case_in(street, State.DISPATCHED)
    assert {row for row in heard(case, "dispatch") if row[0] != "reporter"} == {
        ("hangtian", Channel.APP, "staff/dispatch")
    }


def test_a_refused_action_writes_no_notification(street):
    case = case_in(street, State.DISPATCHED)
    before = Notification.objects.count()
    with pytest.raises(workflow.NotYourParty):
        workflow.perform(case, "accept", actor=factories.staff(street, "qinbei"))
    assert Notification.objects.count() == before


# ---------------------------------------------------------------------------- delivery


def test_a_dispatch_emails_the_handler_after_commit(
    street, mailoutbox, django_capture_on_commit_callbacks
):
    case = case_in(street, State.REPORTED)
    with django_capture_on_commit_callbacks(execute=True):
        act(street, case, "dispatch", "dispatcher", lead_party=street.parties["rc-hangtian"])
    mail = {m.to[0]: m for m in mailoutbox}
    assert set(mail) == {"hangtian@demo.hongmei.invalid", "r@example.com"}
    handler = mail["hangtian@demo.hongmei.invalid"]
    assert handler.subject == f"新派遣案件 {case.number}：暴露垃圾/道路不洁"
    assert f"/staff/cases/{case.number}/" in handler.body
    html, mimetype = handler.alternatives[0]
    assert mimetype == "text/html" and case.number in html
    assert handler.extra_headers["Auto-Submitted"] == "auto-generated"
    assert set(Notification.objects.filter(case=case, kind="dispatch").values_list("status")) == {
        (Status.SENT,)
    }


def test_nothing_is_written_or_sent_when_the_action_rolls_back(
    street, mailoutbox, django_capture_on_commit_callbacks
):
    case = case_in(street, State.REPORTED)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        act(street, case, "dispatch", "dispatcher", lead_party=street.parties["rc-hangtian"])
        transaction.set_rollback(True)
    assert heard(case, "dispatch") == set() and mailoutbox == []


def test_a_delivery_task_run_twice_sends_once(street, mailoutbox):
    case = case_in(street, State.DISPATCHED)
    row = Notification.objects.get(case=case, kind="dispatch", user__username="hangtian",
                                   channel=Channel.EMAIL)  # fmt: skip
    assert tasks.deliver_notification.apply(args=[row.pk]).get() is True
    assert tasks.deliver_notification.apply(args=[row.pk]).get() is False
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.attempt_at) == (Status.SENT, 1, None)


def test_an_expired_claim_is_taken_over_and_a_live_one_is_left_alone(street, mailoutbox):
    case = case_in(street, State.DISPATCHED)
    row = Notification.objects.filter(case=case, channel=Channel.EMAIL).first()
    now = timezone.now()
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENDING, attempts=1, attempt_at=now + timedelta(minutes=5)
    )
    assert notifications.deliver(row.pk, now=now) is False
    assert notifications.deliver(row.pk, now=now + timedelta(minutes=6)) is True
    row.refresh_from_db()
    assert (row.status, row.attempts, len(mailoutbox)) == (Status.SENT, 2, 1)


def test_a_failing_send_is_retried_with_growing_delays_then_marked_failed(
    street, mailoutbox, monkeypatch, settings
):
    settings.HONGMEI_NOTIFICATION_MAX_ATTEMPTS = 3
    case = case_in(street, State.REPORTED)
    row = Notification.objects.get(case=case)

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    now = timezone.now()
    assert notifications.deliver(row.pk, now=now) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.attempt_at == now + timedelta(seconds=60)
    assert "mail server down" in row.last_error
    assert notifications.deliver(row.pk, now=now + timedelta(seconds=30)) is False
    row.refresh_from_db()
    assert row.attempts == 1  # not yet due: left alone
    later = now + timedelta(seconds=61)
    notifications.deliver(row.pk, now=later)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.attempt_at) == (
        Status.PENDING,
        2,
        later + timedelta(seconds=120),
    )
    notifications.deliver(row.pk, now=later + timedelta(seconds=121))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.attempt_at) == (Status.FAILED, 3, None)
    assert mailoutbox == []


def test_a_permanent_refusal_fails_at_once_and_can_be_sent_again_from_the_admin(
    street, mailoutbox, monkeypatch, client, django_capture_on_commit_callbacks
):
    case = case_in(street, State.REPORTED)
    row = Notification.objects.get(case=case)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"r@example.com": (550, b"no such user")})

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        notifications.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    client.force_login(street.users["admin"])
    listing = client.get("/admin/cases/notification/?status__exact=failed")
    assert listing.status_code == 200 and case.number in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/cases/notification/",
            {"action": "send_again", "_selected_action": [row.pk]},
        )
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert len(mailoutbox) == 1


def test_text_messages_go_through_the_configured_backend(street, sms_outbox):
    reporter = Reporter.objects.create(phone="13800000000")
    case = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="垃圾",
        channel="web",
        reporter=reporter,
        route=False,
    )
    row = Notification.objects.get(case=case)
    assert notifications.deliver(row.pk) is True
    [(phone, text)] = sms_outbox
    assert phone == "13800000000"
    assert text.startswith("【虹梅街道】已收到您反映的问题 " + case.number)
    assert text.endswith(f"/t/{case.token}/")


def test_a_gateway_refusing_a_number_fails_the_message_at_once(street, settings, monkeypatch):
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"

    def refuse(self, message):
        raise sms.PermanentError("invalid number")

    monkeypatch.setattr(sms.MemoryBackend, "send", refuse)
    reporter = Reporter.objects.create(phone="1")
    case = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="垃圾",
        channel="web",
        reporter=reporter,
        route=False,
    )
    row = Notification.objects.get(case=case)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and "invalid number" in row.last_error


def test_messages_to_a_reporter_anonymised_meanwhile_are_cancelled(street, mailoutbox):
    case = new_case(street)
    Reporter.objects.filter(pk=case.reporter_id).update(email="", phone="")
    row = Notification.objects.get(case=case)
    assert notifications.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.status == Status.CANCELLED and mailoutbox == []


def test_a_broker_outage_does_not_fail_the_action_and_the_sweep_sends_later(
    street, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    case = case_in(street, State.REPORTED)
    Notification.objects.filter(case=case).update(status=Status.SENT)  # the filing notice

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(tasks.deliver_notification, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            act(street, case, "dispatch", "dispatcher", lead_party=street.parties["rc-hangtian"])
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    waiting = Notification.objects.filter(case=case, kind="dispatch", status=Status.PENDING)
    assert waiting.count() == 2 and mailoutbox == []
    assert notifications.sweep_outbox() == 0  # fresh rows are left to their task a minute
    assert notifications.sweep_outbox(now=timezone.now() + timedelta(minutes=2)) == 2
    assert notifications.sweep_outbox(now=timezone.now() + timedelta(minutes=2)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["hangtian@demo.hongmei.invalid", "r@example.com"]


def test_the_outbox_sweep_reads_only_rows_waiting_to_be_sent(street, django_assert_num_queries):
    for _ in range(3):
        case_in(street, State.CLOSED)
    Notification.objects.update(status=Status.SENT)
    with django_assert_num_queries(1):
        assert notifications.sweep_outbox(now=timezone.now() + timedelta(hours=1)) == 0


# ---------------------------------------------------------------------------- rendering


def test_messages_are_written_in_the_recipients_language(street):
    StaffProfile.objects.create(user=street.users["hangtian"], language="en")
    case = case_in(street, State.DISPATCHED)
    Reporter.objects.filter(pk=case.reporter_id).update(language="en")
    mine = Notification.objects.get(case=case, user__username="hangtian", channel=Channel.EMAIL)
    theirs = Notification.objects.get(case=case, user__username="yongzhao", channel=Channel.EMAIL)
    reporter = Notification.objects.get(case=case, kind="dispatch", reporter__isnull=False)
    assert wording.render(mine).subject == (
        f"New case {case.number} for your party: Litter and dirty street"
    )
    assert wording.render(theirs).subject == (
        f"案件 {case.number} 请本单位协办（暴露垃圾/道路不洁）"
    )
    text = wording.render(reporter).text
    assert "It has been passed to Hangtian Xinyuan Residents' Committee" in text


def test_html_escapes_what_people_wrote_and_plain_text_keeps_it(street):
    case = case_in(street, State.DISPATCHED, description="<b>垃圾</b> & 杂物")
    row = Notification.objects.get(case=case, user__username="hangtian", channel=Channel.EMAIL)
    message = wording.render(row)
    assert "<b>垃圾</b> & 杂物" in message.text
    assert "&lt;b&gt;垃圾&lt;/b&gt; &amp; 杂物" in message.html
