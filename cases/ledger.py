"""The verifiable history of cases (docs/ledger.md): every event is a link of its case's hash
chain, each day's changed heads are sealed in a Merkle tree (StreetDigest), a case's history
is exported with everything needed to check it offline (cases.verify), and the beat
re-verifies the chains that grew since its last run.

seal() is called by every writer of events (cases.workflow, cases.retention, the synthetic
generator) while the case row is locked, before the event is inserted: the hash columns are
set once, and the append-only trigger keeps them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import notifications, sla, verify
from cases.models import (
    Attachment,
    Case,
    DigestLeaf,
    Event,
    LedgerCheck,
    Party,
    StreetDigest,
)

GENESIS = verify.GENESIS
FORMAT = verify.FORMAT
CHECK = "chains"
CHECK_BATCH = 500
CHECK_WINDOW = 50_000  # event ids read at a time
CHECK_LIMIT = 20_000  # chains checked per run, about


def utc_text(moment: datetime) -> str:
    """A moment as the hash sees it: UTC, ISO-8601 with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normal(value: Any) -> Any:
    """`value` as it reads back from a JSON column (tuples become lists, keys strings)."""
    return json.loads(json.dumps(value))


def salt(nonce: str, name: str) -> str:
    """The salt of one field of an event: revealing it opens that field only."""
    return hashlib.sha256(f"{nonce}:{name}".encode()).hexdigest()


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content(number: str, event: Event, digests: Iterable[str]) -> dict[str, Any]:
    """What the event's content hash covers (verify.event_content rebuilds it)."""
    return {
        "v": 1,
        "case": number,
        "seq": event.seq,
        "kind": event.kind,
        "at": utc_text(event.created_at),
        "actor_role": event.actor_role,
        "actor_party": event.actor_party_id,
        "cause": event.cause,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": verify.commitment(salt(event.nonce, "note"), event.note),
        "data": verify.commitment(salt(event.nonce, "data"), normal(event.data)),
        "attachments": sorted(digests),
    }


def seal(case: Case, event: Event, digests: Iterable[str] = ()) -> Event:
    """Make unsaved `event` the next link of `case`'s chain and move the case's head to it
    (in memory: the caller saves both, in the transaction that holds the case's row lock).
    `digests`: the sha256 of the files the event will carry."""
    event.seq = case.chain_length + 1
    event.nonce = secrets.token_hex(16)
    event.prev_hash = case.chain_head or GENESIS
    event.content_hash = verify.content_hash(content(case.number, event, digests))
    event.chain_hash = verify.link(event.prev_hash, event.content_hash)
    case.chain_head, case.chain_length = event.chain_hash, event.seq
    return event


def append(case: Case, event: Event, digests: Iterable[str] = ()) -> Event:
    """Lock `case`'s row, seal `event` onto its chain, insert it and store the new head: for
    writers outside perform() (merges, followers, retention). `event.case` is `case`."""
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .only("number", "chain_head", "chain_length")
            .get(pk=case.pk)
        )
        seal(locked, event, digests)
        event.case = case
        event.save(force_insert=True)
        Case.objects.filter(pk=case.pk).update(
            chain_head=locked.chain_head, chain_length=locked.chain_length
        )
        case.chain_head, case.chain_length = locked.chain_head, locked.chain_length
    return event


# ---------------------------------------------------------------------------- checking


# Why a stored chain does not check (Break.reason), as the supervisors' alarm words it.
REASONS = {
    "sequence": _("an event is missing or repeated"),
    "content": _("its content no longer gives its hash"),
    "link": _("it does not follow the event before it"),
    "chain": _("its chain hash is wrong"),
    "head": _("the case's latest hash is not its last event's"),
    "digest": _("a daily street digest sealed another hash"),
}


@dataclass(frozen=True)
class Break:
    """Where a stored chain stops matching itself: the event's place and why (REASONS)."""

    seq: int
    reason: str

    @property
    def words(self):
        return REASONS[self.reason]


def _digests_by_event(event_ids):
    found: dict[int, list[str]] = {}
    rows = Attachment.objects.filter(event_id__in=event_ids).values_list("event_id", "sha256")
    for event_id, digest in rows:
        found.setdefault(event_id, []).append(digest)
    return found


def check_case(case: Case) -> Break | None:
    """Recompute every event hash and link of `case` from the stored rows, and compare the
    end with the case's head and with the heads sealed in the daily digests."""
    events = list(Event.objects.filter(case=case).order_by("seq", "id"))
    digests = _digests_by_event([e.pk for e in events])
    prev = GENESIS
    hashes = {}
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            return Break(position, "sequence")
        if verify.content_hash(content(case.number, event, digests.get(event.pk, []))) != (
            event.content_hash
        ):
            return Break(position, "content")
        if event.prev_hash != prev:
            return Break(position, "link")
        if verify.link(prev, event.content_hash) != event.chain_hash:
            return Break(position, "chain")
        prev = hashes[position] = event.chain_hash
    if (case.chain_head or GENESIS) != prev or case.chain_length != len(events):
        return Break(len(events), "head")
    for seq, head in DigestLeaf.objects.filter(case=case).values_list("seq", "head"):
        if hashes.get(seq) != head:
            return Break(seq, "digest")
    return None


def check_chains(
    *, now: datetime | None = None, limit: int = CHECK_LIMIT, window: int = CHECK_WINDOW
) -> int:
    """Re-verify the chain of every case with an event inserted since the last run, in
    windows of event ids, until about `limit` chains are checked (a first run over a large
    history spreads over several); tell the supervisors of each break, once per case and
    place. Returns the breaks found."""
    now = now or timezone.now()
    with transaction.atomic():
        LedgerCheck.objects.get_or_create(name=CHECK)
        state = LedgerCheck.objects.select_for_update().get(name=CHECK)
        newest = Event.objects.aggregate(last=Max("id"))["last"] or 0
        reached, broken, checked = state.last_event_id, 0, 0
        while reached < newest and checked < limit:
            # Ids have gaps (rolled-back inserts): a window starts at the next event.
            following = Event.objects.filter(id__gt=reached).aggregate(first=Min("id"))
            end = min(following["first"] - 1 + window, newest)
            ids = list(
                Event.objects.filter(id__gt=reached, id__lte=end)
                .values_list("case_id", flat=True)
                .distinct()
                .order_by("case_id")
            )
            for start in range(0, len(ids), CHECK_BATCH):
                for case in Case.objects.filter(pk__in=ids[start : start + CHECK_BATCH]):
                    checked += 1
                    found = check_case(case)
                    if found is not None:
                        broken += 1
                        _alarm(case, found, now)
            reached = end
        state.last_event_id, state.checked_at = reached, now
        state.chains, state.broken = checked, broken
        state.save()
    return broken


def _alarm(case, found, now):
    notifications.notify_users(
        notifications.supervisors(),
        "ledger_break",
        case=case,
        data={"seq": found.seq, "reason": found.reason},
        at=now,
        key=f"ledger_break:{case.pk}:{found.seq}",
    )


# ---------------------------------------------------------------------------- digests


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, sla.TZ)
    return start, start + timedelta(days=1)


def leaves_of(day: date) -> list[tuple[str, int, str, int]]:
    """(case number, seq, head, case id) of every case whose history grew on `day`: its
    last event of that day, in case-number order."""
    start, end = day_bounds(day)
    last: dict[int, tuple[str, int, str, int]] = {}
    rows = Event.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
        "case_id", "case__number", "seq", "chain_hash"
    )
    for case_id, number, seq, head in rows.iterator(chunk_size=5000):
        if case_id not in last or last[case_id][1] < seq:
            last[case_id] = (number, seq, head, case_id)
    return sorted(last.values())


def seal_day(day: date, *, now: datetime | None = None) -> StreetDigest:
    """The digest of `day`, made now if it does not exist yet (never made again)."""
    with transaction.atomic():
        existing = StreetDigest.objects.filter(day=day).first()
        if existing is not None:
            return existing
        leaves = leaves_of(day)
        hashes = [verify.leaf(number, head, seq) for number, seq, head, _ in leaves]
        digest = StreetDigest.objects.create(
            day=day,
            root=verify.merkle_root(hashes),
            leaves=len(leaves),
            created_at=now or timezone.now(),
        )
        DigestLeaf.objects.bulk_create(
            (
                DigestLeaf(digest=digest, case_id=case_id, position=i, seq=seq, head=head)
                for i, (_number, seq, head, case_id) in enumerate(leaves)
            ),
            batch_size=2000,
        )
    return digest


def seal_days(*, now: datetime | None = None, since: date | None = None) -> list[StreetDigest]:
    """Seal every finished day from `since` (default: the day after the last digest, or
    yesterday when there is none) up to yesterday. Safe to run twice."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now, sla.TZ) - timedelta(days=1)
    if since is None:
        last = StreetDigest.objects.order_by("-day").values_list("day", flat=True).first()
        since = last + timedelta(days=1) if last else yesterday
    sealed = []
    day = since
    while day <= yesterday:
        sealed.append(seal_day(day, now=now))
        day += timedelta(days=1)
    return sealed


# ---------------------------------------------------------------------------- export


def _anchors(case, length):
    anchors = []
    mine = (
        DigestLeaf.objects.filter(case=case, seq__lte=length)
        .select_related("digest")
        .order_by("digest__day")
    )
    for entry in mine:
        leaves = [
            verify.leaf(number, head, seq)
            for number, head, seq in DigestLeaf.objects.filter(digest=entry.digest)
            .order_by("position")
            .values_list("case__number", "head", "seq")
        ]
        anchors.append(
            {
                "day": entry.digest.day.isoformat(),
                "root": entry.digest.root,
                "seq": entry.seq,
                "head": entry.head,
                "leaf_index": entry.position,
                "leaves": entry.digest.leaves,
                "proof": verify.merkle_proof(leaves, entry.position),
            }
        )
    return anchors


def _opened(event, name, value):
    return {"salt": salt(event.nonce, name), "value": normal(value)}


def _event_entry(event, digests, *, note, data):
    """An event as exported: in the clear (its note and data shown when asked, else their
    commitments), or, when neither is asked for an event the reader may not see, only its
    hashes."""
    entry: dict[str, Any] = {"seq": event.seq}
    entry.update(
        kind=event.kind,
        at=utc_text(event.created_at),
        actor_role=event.actor_role,
        actor_party=event.actor_party_id,
        cause=event.cause,
        from_state=event.from_state,
        to_state=event.to_state,
        attachments=sorted(digests),
    )
    for name, shown, value in (("note", note, event.note), ("data", data, event.data)):
        if shown:
            entry[name] = _opened(event, name, value)
        else:
            entry[f"{name}_commitment"] = verify.commitment(salt(event.nonce, name), normal(value))
    return entry


def history(
    case: Case,
    *,
    public_events: frozenset[str] | None = None,
    public_notes: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> dict[str, Any]:
    """A case's verifiable history as a JSON-ready dict (docs/ledger.md, section 3).

    Staff get every event whole (public_events=None). The reporter gets the events the
    tracking page shows, with the notes it shows (`public_events`, `public_notes`) and the
    commitments of their data; the others appear by their hashes only, so the chain still
    checks and nothing of them is disclosed. No staff member is named: events carry the
    acting role and party only.
    """
    now = now or timezone.now()
    with transaction.atomic():
        fresh = Case.objects.select_related("category").get(pk=case.pk)
        events = list(Event.objects.filter(case=fresh, seq__lte=fresh.chain_length).order_by("seq"))
        digests = _digests_by_event([e.pk for e in events])
        anchors = _anchors(fresh, fresh.chain_length)
    entries = []
    party_ids = set()
    whole = public_events is None
    shown = frozenset() if public_events is None else public_events
    for event in events:
        if whole or event.kind in shown:
            # The reporter never gets `data`: it names co-parties and holds staff reasons
            # (an unfinished share's), which the tracking page does not show.
            entry = _event_entry(
                event,
                digests.get(event.pk, []),
                note=whole or event.kind in public_notes,
                data=whole,
            )
            party_ids |= {event.actor_party_id, *(_parties_named(event.data) if whole else [])}
        else:
            entry = {"seq": event.seq, "redacted": True}
        entry.update(
            content_hash=event.content_hash, prev_hash=event.prev_hash, hash=event.chain_hash
        )
        entries.append(entry)
    parties = Party.objects.filter(pk__in=party_ids - {None})
    sealed = max((a["seq"] for a in anchors), default=0)
    return {
        "format": FORMAT,
        "case": fresh.number,
        "category": fresh.category.label,
        "state": fresh.state,
        "exported_at": utc_text(now),
        "audience": "staff" if public_events is None else "reporter",
        "head": fresh.chain_head,
        "length": fresh.chain_length,
        "parties": {str(p.pk): p.label for p in parties.order_by("pk")},
        "events": entries,
        "anchors": anchors,
        "unsealed_from": sealed + 1 if sealed < fresh.chain_length else None,
    }


def _parties_named(data):
    ids = []
    for key in ("lead_party", "party", "returned_by"):
        if isinstance(data.get(key), int):
            ids.append(data[key])
    ids += [i for i in data.get("co_parties") or [] if isinstance(i, int)]
    return ids
