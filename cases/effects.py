"""What an event sets in motion, written in the event's own transaction: the notifications
it causes (cases.notifications, the outbox) and the alarms of the clocks it starts or stops
(cases.alarms). The workflow calls on_event() for every event it records. While history is
replayed (cases.replay) neither sends nor sets anything that belongs to the present.
"""

from cases import alarms, notifications


def on_event(event):
    notifications.for_event(event)
    alarms.for_event(event)
