"""gunicorn settings for the Hongmei case tracker (docs/deploy.md).

Every value can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, ...),
so one file serves the server (systemd, deploy/systemd/hongmei-web.service), the Procfile
and `make prod` on a developer's machine.
"""

import multiprocessing
import os

# Loopback only: nginx in front terminates TLS and buffers slow uploads.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Synchronous workers: the app does its slow work (notifications, sweeps) in Celery and
# nginx buffers requests and answers, so a worker is busy only while Django computes.
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
# A request that takes longer than this is killed and logged (and nginx answers 503);
# the heaviest page (a dashboard export) stays well under it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, staggered, so slow growth of any kind cannot accumulate.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# Load the app in the master: a broken configuration (no SECRET_KEY, say) stops the
# service at start instead of in every worker, and workers share the imported code.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Only nginx on this machine may say which address a request came from.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The address nginx saw, the time taken in microseconds, no query strings (they may hold
# a tracking token).
access_log_format = '%({x-real-ip}i)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus'
pidfile = os.environ.get("GUNICORN_PIDFILE") or None
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm")


def post_fork(server, worker):
    # Each worker opens its own database connections (never share the master's).
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
