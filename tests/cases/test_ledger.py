"""The verifiable history (cases/ledger.py, cases/verify.py, docs/ledger.md): each event
is a link of its case's hash chain, each day's heads are sealed in a Merkle root, an
exported history checks offline, and a row changed behind the system's back is found."""

import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from cases import digest, ledger, workflow
from cases.models import Case, DigestLeaf, Event, Notification, State, StreetDigest
from tests.factories import (
    act,
    as_table_owner,
    aware,
    case_in,
    new_case,
    tamper,
    tiny_photo,
)

MONDAY = aware(2026, 11, 23, 9, 0)
ZEROS = "0" * 64


def _json(value):
    # docs/ledger.md: sorted keys, no whitespace, UTF-8 with non-ASCII as itself.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sha(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def _salted(nonce, name, value):
    salt = _sha(f"{nonce}:{name}")
    return _sha(_json({"salt": salt, "value": value}))


def test_each_event_hash_covers_its_content_and_the_hash_before_it(street):
    case = new_case(street, at=MONDAY)
    case = act(
        street,
        case,
        "dispatch",
        "dispatcher",
        lead_party=street.parties["rc-hangtian"],
        co_parties=[],
        at=MONDAY + timedelta(minutes=5),
    )
    filed, dispatched = Event.objects.filter(case=case).order_by("seq")
    assert (filed.seq, dispatched.seq) == (1, 2)
    assert filed.prev_hash == ZEROS and dispatched.prev_hash == filed.chain_hash

    # Written out by hand from docs/ledger.md, not through the code under test.
    content = {
        "v": 1,
        "case": case.number,
        "seq": 2,
        "kind": "dispatch",
        "at": "2026-11-23T01:05:00.000000Z",
        "actor_role": "dispatcher",
        "actor_party": street.users["dispatcher"].memberships.get().party_id,
        "cause": "",
        "from_state": "reported",
        "to_state": "dispatched",
        "note": _salted(dispatched.nonce, "note", ""),
        "data": _salted(dispatched.nonce, "data", dispatched.data),
        "attachments": [],
    }
    assert dispatched.content_hash == _sha(_json(content))
    assert dispatched.chain_hash == _sha(
        _json({"content": dispatched.content_hash, "prev": filed.chain_hash})
    )
    assert (case.chain_head, case.chain_length) == (dispatched.chain_hash, 2)


def test_a_photo_is_in_its_event_hash_by_the_digest_of_its_bytes(street):
    case = case_in(street, State.IN_PROGRESS, at=MONDAY)
    photo = tiny_photo()
    event = workflow.perform(
        case,
        "resolve",
        actor=workflow.Actor.staff(street.users["hangtian"]),
        note="已清理",
        open_shares_reason="协办单位无需到场",
        photos=[photo],
        at=MONDAY + timedelta(hours=2),
    )
    attachment = event.attachments.get()
    with attachment.file.open("rb") as f:
        stored = f.read()
    assert attachment.sha256 == _sha(stored) == _sha(photo.data)
    entry = ledger.history(case)["events"][event.seq - 1]
    assert entry["attachments"] == [_sha(photo.data)]


def test_events_written_outside_perform_join_the_chain_of_their_case(street):
    original = new_case(street, at=MONDAY)
    duplicate = new_case(street, at=MONDAY + timedelta(minutes=1))
    act(
        street,
        duplicate,
        "reject",
        "dispatcher",
        reason="重复反映",
        duplicate_of=original,
        at=MONDAY + timedelta(minutes=2),
    )
    original.refresh_from_db()
    kinds = list(Event.objects.filter(case=original).order_by("seq").values_list("kind", "seq"))
    assert kinds == [("file", 1), ("merge", 2)]
    assert original.chain_length == 2
    assert ledger.check_case(original) is None


def test_two_writers_cannot_append_the_same_place_of_a_chain(street):
    case = new_case(street, at=MONDAY)
    forged = Event(case=case, kind="note", actor_role="system", created_at=MONDAY)
    ledger.seal(Case.objects.get(pk=case.pk), forged)  # sealed from a stale head: place 2
    workflow.perform(
        case, "supervise", actor=workflow.Actor.system("test"), at=MONDAY + timedelta(hours=1)
    )
    with pytest.raises(Exception, match="event_case_seq"), transaction.atomic():
        forged.save(force_insert=True)


# ---------------------------------------------------------------------------- digests


def _day_with_two_cases(street):
    first = case_in(street, State.DISPATCHED, at=MONDAY)
    second = new_case(street, at=MONDAY + timedelta(hours=3))
    return first, second


def test_a_days_root_is_the_merkle_tree_of_the_heads_of_the_cases_it_changed(street):
    first, second = _day_with_two_cases(street)
    new_case(street, at=MONDAY + timedelta(days=1))  # the next day: not in this digest
    sealed = ledger.seal_day(MONDAY.date())

    def leaf(case):
        head = Event.objects.filter(case=case).order_by("-seq").first()
        body = _json({"case": case.number, "head": head.chain_hash, "seq": head.seq})
        return _sha("leaf:" + body.decode())

    leaves = [leaf(c) for c in sorted([first, second], key=lambda c: c.number)]
    assert sealed.leaves == 2
    assert sealed.root == _sha("node:" + leaves[0] + leaves[1])
    assert ledger.seal_day(MONDAY.date()).pk == sealed.pk  # sealed once


def test_the_supervisors_get_yesterdays_root_by_mail_once(street):
    _day_with_two_cases(street)
    tuesday = MONDAY + timedelta(days=1)
    digest.send_street_digest(now=tuesday)
    digest.send_street_digest(now=tuesday + timedelta(minutes=5))
    sent = Notification.objects.filter(kind="street_digest")
    assert set(sent.values_list("user__username", "channel")) == {
        ("supervisor", "app"),
        ("supervisor", "email"),
    }
    root = StreetDigest.objects.get(day=MONDAY.date()).root
    assert all(n.data["root"] == root for n in sent)


# ---------------------------------------------------------------------------- export


def _verify(path):
    return subprocess.run(
        [sys.executable, "-m", "cases.verify", str(path)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=False,
    )


def _closed_and_sealed(street):
    case = case_in(street, State.CLOSED, at=MONDAY)
    ledger.seal_day(MONDAY.date())
    act(
        street,
        case,
        "rate",
        "reporter",
        rating=Case.Satisfaction.SATISFIED,
        at=MONDAY + timedelta(days=1),
    )
    return case


def test_the_exported_history_checks_offline_and_a_changed_copy_fails_at_that_event(
    street, tmp_path
):
    case = _closed_and_sealed(street)
    history = ledger.history(case)
    assert [e["kind"] for e in history["events"]] == [
        "file",
        "dispatch",
        "accept",
        "report_share",
        "resolve",
        "verify",
        "rate",
    ]
    assert [a["seq"] for a in history["anchors"]] == [6]
    assert history["unsealed_from"] == 7
    good = tmp_path / "history.json"
    good.write_text(json.dumps(history, ensure_ascii=False), encoding="utf-8")
    result = _verify(good)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "OK"
    root = StreetDigest.objects.get(day=MONDAY.date()).root
    assert f"root {root}" in result.stdout

    changed = json.loads(good.read_text(encoding="utf-8"))
    changed["events"][4]["note"]["value"] = "已清理完毕，群众满意"
    bad = tmp_path / "changed.json"
    bad.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    result = _verify(bad)
    assert result.returncode == 1
    assert result.stdout.startswith("MISMATCH at event 5 (resolve,")


def test_a_rewritten_chain_no_longer_reaches_the_days_root(street, tmp_path):
    case = _closed_and_sealed(street)
    history = ledger.history(case)
    history["anchors"][0]["root"] = "f" * 64
    path = tmp_path / "history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    result = _verify(path)
    assert result.returncode == 1
    assert "MISMATCH at event 6" in result.stdout


def test_the_reporters_copy_shows_what_the_tracking_page_shows_and_still_checks(street, tmp_path):
    case = case_in(street, State.IN_PROGRESS, at=MONDAY)
    act(street, case, "note", "hangtian", note="反映人电话13912345678，已约上门", at=MONDAY)
    history = ledger.history(
        case,
        public_events=workflow.PUBLIC_EVENTS,
        public_notes=workflow.PUBLIC_NOTE_EVENTS,
    )
    text = json.dumps(history, ensure_ascii=False)
    assert "13912345678" not in text and "13800138000" not in text
    assert "hangtian" not in text and "dispatcher" not in text.replace('"dispatcher"', "")
    assert [e.get("kind", "—") for e in history["events"]] == [
        "file",
        "dispatch",
        "accept",
        "—",  # the staff note
    ]
    path = tmp_path / "mine.json"
    path.write_text(text, encoding="utf-8")
    assert _verify(path).stdout.splitlines()[0] == "OK"


def test_the_verifier_needs_nothing_but_the_standard_library():
    code = "import sys, cases.verify; sys.exit('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, capture_output=True, check=False
    )
    assert result.returncode == 0
    source = Path(settings.BASE_DIR, "cases", "verify.py").read_text(encoding="utf-8")
    assert "django" not in source.replace("no Django", "").replace("and no Django", "")


# ---------------------------------------------------------------------------- tampering


def test_a_row_changed_behind_the_systems_back_alarms_the_supervisors(street, tmp_path):
    case = case_in(street, State.RESOLVED, at=MONDAY)
    assert ledger.check_chains(now=MONDAY + timedelta(hours=1)) == 0
    resolve = Event.objects.get(case=case, kind="resolve")
    tamper(resolve, "已处理（改）")
    act(street, case, "verify", "inspector", at=MONDAY + timedelta(hours=2))

    assert ledger.check_chains(now=MONDAY + timedelta(hours=3)) == 1
    alarm = Notification.objects.get(kind="ledger_break", channel="app")
    assert (alarm.user.username, alarm.case, alarm.data) == (
        "supervisor",
        case,
        {"seq": resolve.seq, "reason": "content"},
    )
    assert ledger.check_chains(now=MONDAY + timedelta(hours=4)) == 0  # only what changed

    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(ledger.history(case), ensure_ascii=False), encoding="utf-8")
    result = _verify(path)
    assert result.returncode == 1
    assert result.stdout.startswith(f"MISMATCH at event {resolve.seq} (resolve,")


def test_a_chain_rebuilt_after_its_day_was_sealed_is_found_by_the_digest(street):
    case = case_in(street, State.DISPATCHED, at=MONDAY)
    ledger.seal_day(MONDAY.date())
    ledger.check_chains(now=MONDAY + timedelta(days=1))
    last = Event.objects.filter(case=case).order_by("-seq").first()
    # Rewrite the last event and recompute its hashes, as someone who knows the rules could.
    tamper(last, "x")
    last.refresh_from_db()
    fresh = Case.objects.get(pk=case.pk)
    fresh.chain_head, fresh.chain_length = last.prev_hash, last.seq - 1
    ledger.seal(fresh, last)
    as_table_owner(
        "UPDATE cases_event SET nonce=%s, content_hash=%s, chain_hash=%s WHERE id=%s",
        [last.nonce, last.content_hash, last.chain_hash, last.pk],
    )
    Case.objects.filter(pk=case.pk).update(chain_head=last.chain_hash)
    case.refresh_from_db()
    assert DigestLeaf.objects.get(case=case).head != last.chain_hash
    assert ledger.check_case(case) == ledger.Break(last.seq, "digest")


def test_a_long_history_is_checked_over_several_runs_and_none_is_skipped(street):
    cases = [case_in(street, State.DISPATCHED, at=MONDAY) for _ in range(3)]
    tamper(Event.objects.filter(case=cases[2]).order_by("seq").last(), "改")
    # Two events at a time, one chain a run: the tampered case comes last.
    assert ledger.check_chains(now=MONDAY, limit=1, window=2) == 0
    found = sum(ledger.check_chains(now=MONDAY, limit=1, window=2) for _ in range(6))
    assert found == 1
    assert Notification.objects.filter(kind="ledger_break", case=cases[2]).exists()
