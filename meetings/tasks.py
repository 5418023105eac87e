"""Celery tasks of the joint meetings: thin, safe to run twice (cases/tasks.py says how)."""

from celery import shared_task

from cases.retries import TRANSIENT
from meetings import proposals


@shared_task(**TRANSIENT)
def propose_recurring():
    """Propose the recurring problems found now for the joint meeting's agenda (nightly)."""
    return len(proposals.propose_recurring())
