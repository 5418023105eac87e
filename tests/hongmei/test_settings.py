import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def show(*names, **env):
    """The settings' values of `names` as a process with `env` (and no DEBUG, SECRET_KEY
    or ALLOWED_HOSTS of the suite's) sees them."""
    code = (
        "from django.conf import settings as s; print("
        + ", ".join(f"repr(s.{name})" for name in names)
        + ")"
    )
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def python(code, **env):
    """Run `code` in a fresh interpreter with `env` (and none of the suite's DEBUG,
    SECRET_KEY, ALLOWED_HOSTS)."""
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "hongmei.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


MISSING = "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off"


@pytest.mark.parametrize("env", [{}, {"DEBUG": "0"}])
def test_the_web_application_refuses_to_start_without_a_secret_key(env):
    """Nothing set (or DEBUG=0) and no SECRET_KEY: no development key stands in, and the
    WSGI and ASGI applications stop with the reason instead of serving."""
    for module in ("hongmei.wsgi", "hongmei.asgi"):
        result = python(f"import {module}", **env)
        assert result.returncode != 0, module
        assert MISSING in result.stderr, module


def test_the_worker_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "hongmei", "worker", "-P", "solo"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")},
            "REDIS_URL": os.environ["REDIS_URL"],
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_without_a_key_nothing_can_sign_but_commands_that_sign_nothing_run():
    """Checks and migrations need no key; signing (sessions, CSRF, tracking links) raises."""
    assert manage("check").returncode == 0
    result = python(
        "import django; django.setup(); from django.core import signing; signing.dumps(1)"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    settings_module = python("import hongmei.settings as m; print(repr(m.SECRET_KEY))")
    assert settings_module.stdout.strip() == "''"


def test_debug_is_off_unless_set_and_hosts_are_the_loopback_names():
    assert show("DEBUG", "ALLOWED_HOSTS", SECRET_KEY="k" * 50) == (
        "False ['127.0.0.1', 'localhost']"
    )


def test_debug_is_on_only_when_set_and_never_opens_every_host():
    assert show("DEBUG", "ALLOWED_HOSTS", DEBUG="1") == "True ['127.0.0.1', 'localhost']"


def test_a_given_secret_key_is_used_and_never_the_development_one():
    assert show("SECRET_KEY", DEBUG="1", SECRET_KEY="given-key") == "'given-key'"


def test_deploy_checks_pass_under_production_settings():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-like-secret-key-of-enough-length-0123",
        ALLOWED_HOSTS="cases.hongmei.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/hongmei",
        # A shared cache for the rate limits, as in production (hongmei.W001 otherwise).
        CACHE_URL=os.environ["REDIS_URL"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_defaults_run_on_sqlite_with_eager_tasks():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.LANGUAGE_CODE, s.TIME_ZONE)",
        REDIS_URL="",
        CELERY_BROKER_URL="",
        CELERY_TASK_ALWAYS_EAGER="",
        DEBUG="1",
    )
    assert result.stdout.split()[-4:] == [
        "django.db.backends.sqlite3",
        "True",
        "zh-hans",
        "Asia/Shanghai",
    ]


def test_check_deploy_warns_that_rate_limits_are_per_process_without_redis():
    result = manage("check", "--deploy", SECRET_KEY="x" * 60, REDIS_URL="", CACHE_URL="")
    assert "hongmei.W001" in result.stderr + result.stdout
    assert "rate limits" in result.stderr + result.stdout


def test_the_shared_cache_check_is_quiet_with_redis_or_in_development(settings):
    from django.core.checks import run_checks

    def warned():
        return [m.id for m in run_checks(include_deployment_checks=True) if m.id == "hongmei.W001"]

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert warned() == ["hongmei.W001"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/8",
        }
    }
    assert warned() == []
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert warned() == []


def test_text_message_templates_are_read_as_name_code_pairs():
    templates = "file=SMS_480100001, dispatch = SMS_480100002,"
    assert show(
        "HONGMEI_SMS_ALIYUN_TEMPLATES", DEBUG="1", HONGMEI_SMS_ALIYUN_TEMPLATES=templates
    ) == ("{'file': 'SMS_480100001', 'dispatch': 'SMS_480100002'}")


def test_check_deploy_names_what_alibaba_cloud_sms_still_lacks(settings):
    from django.core.checks import run_checks

    def warned():
        found = run_checks(include_deployment_checks=True)
        return [m.msg for m in found if m.id == "hongmei.W002"]

    settings.HONGMEI_SMS_BACKEND = "cases.sms.ConsoleBackend"
    settings.HONGMEI_SMS_ALIYUN_SIGN_NAME = ""
    assert warned() == []
    settings.HONGMEI_SMS_BACKEND = "cases.sms_aliyun.AliyunBackend"
    settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID = "LTAI5t"
    settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"
    settings.HONGMEI_SMS_ALIYUN_TEMPLATES = {
        name: f"SMS_{i}"
        for i, name in enumerate(
            ["file", "dispatch", "follow", "reject", "reopen", "resolve", "verify"]
        )
    }
    [message] = warned()
    assert (
        "HONGMEI_SMS_ALIYUN_SIGN_NAME, HONGMEI_SMS_ALIYUN_TEMPLATES[satisfaction], "
        "HONGMEI_SMS_ALIYUN_TEMPLATES[code]" in message
    )
    settings.HONGMEI_SMS_ALIYUN_SIGN_NAME = "虹梅街道"
    settings.HONGMEI_SMS_ALIYUN_TEMPLATES["satisfaction"] = "SMS_8"
    settings.HONGMEI_SMS_ALIYUN_TEMPLATES["code"] = "SMS_9"  # the /find/ code
    assert warned() == []
