"""The case lifecycle of design §6, typed out by hand from ../shared/design.md.

Nothing here is read from cases.workflow: the tests that check the code against this table
(tests/cases/test_rules_matrix.py, tests/invariants.py) would otherwise only check the
code's agreement with itself. When the design changes, change this file by hand.

Who may act, in the design's words:
- "dispatcher", "supervisor", "inspector", "secretary": a staff member holding that role;
- "lead": a handler of the case's lead party ("handler of the lead party");
- "reporter": the reporter holding the case's own private token;
- "system": an automatic actor (an auto-dispatch routing rule).
"""

REPORTED = "reported"
DISPATCHED = "dispatched"
IN_PROGRESS = "in_progress"
AWAITING_MEETING = "awaiting_meeting"
RESOLVED = "resolved"
CLOSED = "closed"
REJECTED = "rejected"

STATES = (REPORTED, DISPATCHED, IN_PROGRESS, AWAITING_MEETING, RESOLVED, CLOSED, REJECTED)

# action: (states it may start from, the state it leads to, who may perform it)
TRANSITIONS = {
    "dispatch": ({REPORTED}, DISPATCHED, {"dispatcher", "system"}),
    "reject": ({REPORTED}, REJECTED, {"dispatcher"}),
    "accept": ({DISPATCHED}, IN_PROGRESS, {"lead"}),
    "return": ({DISPATCHED}, REPORTED, {"lead"}),
    "reassign": ({DISPATCHED, IN_PROGRESS}, DISPATCHED, {"dispatcher"}),
    "escalate": ({REPORTED, IN_PROGRESS}, AWAITING_MEETING, {"dispatcher", "lead"}),
    "decide": ({AWAITING_MEETING}, DISPATCHED, {"secretary"}),
    "resolve": ({IN_PROGRESS}, RESOLVED, {"lead"}),
    "verify": ({RESOLVED}, CLOSED, {"inspector", "dispatcher", "reporter"}),
    "rework": ({RESOLVED}, IN_PROGRESS, {"inspector", "dispatcher"}),
    # The reporter only when dissatisfied and within 7 days of closing (tested on its own).
    "reopen": ({CLOSED}, REPORTED, {"reporter", "supervisor"}),
}

# The design says "dispatcher, handler" for escalate without "of the lead party", while §2
# lets a handler act only on cases of their party (lead or co-party). Whether a co-party's
# handler may escalate is therefore not decided by the design: the matrix does not assert it.
UNDECIDED = {("escalate", "co_party")}

# Filing is not an action of the table: reporters, inspectors (patrol), dispatchers (e.g.
# hotline) and the system (imports) file; a new case is `reported`.
INITIAL_STATE = REPORTED


def move_allowed(action, from_state, to_state):
    """Whether the design's table allows `action` to move a case from one state to another."""
    rule = TRANSITIONS.get(action)
    return rule is not None and from_state in rule[0] and to_state == rule[1]


# Intake's clock (issue 16, "Intake has a clock too"), typed out from the issue: a case that
# waits for the dispatcher (reported) runs against a deadline in working time, per category,
# two working hours unless the category says otherwise (urgent ones in calendar time). It
# starts when the case is filed and again whenever the case comes back to the dispatcher
# (a lead party's return, a reopening); a dispatch meets it; a rejection or an escalation
# ends it without meeting it. Like the other steps it is shown, alarmed and counted.
INTAKE_STATE = REPORTED
INTAKE_DEFAULT_HOURS = 2
INTAKE_STARTS = ("file", "return", "reopen")
INTAKE_MET_BY = "dispatch"
INTAKE_ENDS = ("dispatch", "reject", "escalate")
