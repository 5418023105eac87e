"""Celery tasks: thin wrappers that call a domain function and are safe to run twice."""

from celery import shared_task

from cases import rollup


@shared_task
def roll_up_indicators():
    """Fold the indicator facts since the last run into the dashboard's daily roll-up."""
    return rollup.roll_up()
