"""Celery tasks: thin, each takes ids (or nothing), calls one domain function and is safe
to run twice. Celery retries them only for transient errors (the database unreachable);
sending has its own retries in the outbox (cases.notifications). The beat schedule is in
settings (CELERY_BEAT_SCHEDULE); docs/operations.md says how to run them."""

from celery import shared_task

from cases import digest, ledger, notifications, records, rollup, sms_outbox, suggest, sweeps
from cases.models import Alarm
from cases.notifications import deliver_notification
from cases.retries import TRANSIENT

__all__ = ["deliver_notification"]  # defined beside the outbox, which queues it


@shared_task(**TRANSIENT)
def sweep_outbox():
    return notifications.sweep_outbox()


@shared_task(**TRANSIENT)
def sweep_deadlines():
    return sweeps.sweep(sweeps.DEADLINE_KINDS)


@shared_task(**TRANSIENT)
def request_satisfaction():
    return sweeps.sweep([Alarm.Kind.SATISFACTION])


@shared_task(**TRANSIENT)
def apply_retention():
    return sweeps.sweep([Alarm.Kind.RETENTION])


@shared_task(**TRANSIENT)
def send_digests():
    digest.send_street_digest()
    return digest.send_digests()


@shared_task(**TRANSIENT)
def seal_street_digests():
    """Seal each finished day's street digest (cases.ledger) soon after midnight."""
    return len(ledger.seal_days())


@shared_task(**TRANSIENT)
def check_chains():
    """Re-verify the chains that grew since the last run; alarm the supervisors on a break."""
    return ledger.check_chains()


@shared_task(**TRANSIENT)
def roll_up_indicators():
    """Fold the indicator facts since the last run into the dashboard's daily roll-up."""
    return rollup.roll_up()


@shared_task(**TRANSIENT)
def remove_orphan_files():
    """Files a request saved and then never committed a row for (it was killed)."""
    return len(records.remove_orphans())


@shared_task(**TRANSIENT)
def poll_sms_receipts():
    """Ask the text-message gateway for the delivery receipts whose time has come."""
    return sms_outbox.poll_receipts()


@shared_task(**TRANSIENT)
def train_category_model():
    """Retrain the category suggestion on the closed cases (weekly)."""
    return suggest.train().row.version
