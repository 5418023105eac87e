"""Check a case's verifiable history offline: `python -m cases.verify FILE`.

Standard library only, and no Django: an outsider runs this file on its own (docs/ledger.md
gives every rule it applies, so it can be rewritten in any language). The writer
(cases.ledger) uses the same functions, so what is written is what is checked.

The rules, in short:
- canonical JSON: keys sorted, no whitespace, UTF-8, non-ASCII written as itself;
- a field's commitment: sha256(canonical({"salt": salt, "value": value}));
- an event's content hash: sha256(canonical(content)), where content holds the event's
  kind, time, actor's role and party, states, the commitments of its note and data, and
  its attachments' sha256 digests;
- the chain: hash = sha256(canonical({"content": content_hash, "prev": previous hash})),
  the first event's previous hash being 64 zeros;
- a day's digest: a Merkle tree over sha256("leaf:" + canonical({"case", "head", "seq"}))
  of every case changed that day, sorted by case number; a node is
  sha256("node:" + left + right), a lone last node goes up unchanged.

Exit status 0 and "OK" when everything matches; 1 and the first mismatch otherwise; 2 for
a file that cannot be read.
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any

FORMAT = "hongmei-case-history/1"
GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """The one byte string a JSON value hashes as."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def commitment(salt: str, value: Any) -> str:
    """A field's hash, salted so that a hidden short note cannot be guessed from it."""
    return sha256(canonical({"salt": salt, "value": value}))


def content_hash(content: dict[str, Any]) -> str:
    return sha256(canonical(content))


def link(prev: str, content: str) -> str:
    """An event's place in the chain: its content hash bound to the previous event's hash."""
    return sha256(canonical({"content": content, "prev": prev}))


def leaf(case: str, head: str, seq: int) -> str:
    return sha256("leaf:" + canonical({"case": case, "head": head, "seq": seq}).decode("utf-8"))


def node(left: str, right: str) -> str:
    return sha256("node:" + left + right)


def merkle_levels(leaves: list[str]) -> list[list[str]]:
    """Every level of the tree, leaves first, root last (one element)."""
    if not leaves:
        return [[sha256(b"")]]
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def merkle_root(leaves: list[str]) -> str:
    return merkle_levels(leaves)[-1][0]


def merkle_proof(leaves: list[str], index: int) -> list[dict[str, str]]:
    """The sibling hashes from leaf `index` up to the root; "side" says where each sits."""
    proof = []
    for level in merkle_levels(leaves)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append({"side": "left" if sibling < index else "right", "hash": level[sibling]})
        index //= 2
    return proof


def root_from_proof(start: str, proof: list[dict[str, str]]) -> str:
    current = start
    for step in proof:
        if step["side"] == "left":
            current = node(step["hash"], current)
        elif step["side"] == "right":
            current = node(current, step["hash"])
        else:
            raise ValueError(f"unknown side {step['side']!r}")
    return current


# ---------------------------------------------------------------------------- checking


class Mismatch(Exception):
    """What does not match, and where: str() is the line the command prints."""


def _field(event: dict[str, Any], name: str) -> str:
    """The commitment of a field: recomputed when the file shows the value, else as given."""
    shown = event.get(name)
    if isinstance(shown, dict) and "value" in shown:
        return commitment(shown["salt"], shown["value"])
    hidden = event.get(f"{name}_commitment")
    if not isinstance(hidden, str):
        raise KeyError(name)
    return hidden


def event_content(number: str, event: dict[str, Any]) -> dict[str, Any]:
    """The content an event's hash covers, rebuilt from an exported event."""
    return {
        "v": 1,
        "case": number,
        "seq": event["seq"],
        "kind": event["kind"],
        "at": event["at"],
        "actor_role": event["actor_role"],
        "actor_party": event["actor_party"],
        "cause": event["cause"],
        "from_state": event["from_state"],
        "to_state": event["to_state"],
        "note": _field(event, "note"),
        "data": _field(event, "data"),
        "attachments": sorted(event["attachments"]),
    }


def check_history(history: dict[str, Any]) -> list[str]:
    """Check an exported history; returns lines of what was confirmed, raises Mismatch."""
    if history.get("format") != FORMAT:
        raise Mismatch(f"not a case history of format {FORMAT}")
    number = history["case"]
    events = history["events"]
    prev = GENESIS
    heads = {}
    for position, event in enumerate(events, start=1):
        where = f"event {position} ({event.get('kind', '?')}, {event.get('at', '?')})"
        if event.get("seq") != position:
            raise Mismatch(f"MISMATCH at {where}: sequence number {event.get('seq')!r}")
        if not isinstance(event.get("content_hash"), str):
            raise Mismatch(f"MISMATCH at {where}: no content hash")
        # A redacted event (one the reader may not see) is checked by its place in the chain.
        if not event.get("redacted"):
            computed = content_hash(event_content(number, event))
            if computed != event["content_hash"]:
                raise Mismatch(f"MISMATCH at {where}: its content does not give its hash")
        if event.get("prev_hash") != prev:
            raise Mismatch(f"MISMATCH at {where}: it does not follow the event before it")
        chained = link(prev, event["content_hash"])
        if chained != event.get("hash"):
            raise Mismatch(f"MISMATCH at {where}: its chain hash is wrong")
        heads[position] = chained
        prev = chained
    if history.get("head") != prev:
        raise Mismatch(f"MISMATCH at event {len(events)}: the case's head is not the last hash")
    lines = [f"{len(events)} events of {number} chain up to {prev}"]
    for anchor in history.get("anchors", []):
        seq = anchor["seq"]
        if seq not in heads or heads[seq] != anchor["head"]:
            raise Mismatch(
                f"MISMATCH at event {seq}: the digest of {anchor['day']} names another head"
            )
        root = root_from_proof(leaf(number, anchor["head"], seq), anchor["proof"])
        if root != anchor["root"]:
            raise Mismatch(
                f"MISMATCH at event {seq}: the proof does not reach the root of {anchor['day']}"
            )
        lines.append(f"event {seq} is in the street digest of {anchor['day']}, root {root}")
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m cases.verify FILE", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as f:
            history = json.load(f)
    except (OSError, ValueError) as error:
        print(f"cannot read {argv[0]}: {error}", file=sys.stderr)
        return 2
    try:
        lines = check_history(history)
    except Mismatch as mismatch:
        print(mismatch)
        return 1
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        print(f"MISMATCH: the file is malformed ({error!r})")
        return 1
    print("OK")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
