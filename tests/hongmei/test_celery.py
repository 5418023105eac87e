"""Celery settings fit for production, and a beat schedule that names real tasks."""

from celery.schedules import crontab
from django.conf import settings
from django.db import InterfaceError, OperationalError

from hongmei.celery import app


def test_every_scheduled_task_exists_and_expires_before_its_next_run():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
        assert entry["options"]["expires"] > 0, name
        if not isinstance(entry["schedule"], crontab):
            assert entry["options"]["expires"] < entry["schedule"], name


def test_the_digest_runs_at_half_past_eight_shanghai_time():
    digest = settings.CELERY_BEAT_SCHEDULE["digest"]["schedule"]
    assert (digest.hour, digest.minute) == ({8}, {30})
    assert app.conf.timezone == "Asia/Shanghai"


def test_workers_ack_late_with_time_limits_and_publishing_gives_up_quickly():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit < conf.task_time_limit <= 300
    assert conf.worker_cancel_long_running_tasks_on_connection_loss
    policy = conf.task_publish_retry_policy
    assert policy["max_retries"] * policy["interval_max"] <= 1
    assert conf.broker_connection_timeout <= 2
    options = conf.broker_transport_options
    assert options["socket_connect_timeout"] <= 2 and options["socket_timeout"] <= 5
    assert options["visibility_timeout"] > conf.task_time_limit


def test_only_transient_errors_are_retried_by_celery():
    app.loader.import_default_modules()
    for name in settings.CELERY_BEAT_SCHEDULE.values():
        task = app.tasks[name["task"]]
        assert task.autoretry_for == (OperationalError, InterfaceError), task.name
        assert task.max_retries == 5
