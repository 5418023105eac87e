"""deploy/ is what a server installs; tools/prodstack.py runs the same files on loopback.
These tests hold the two together and hold the files to docs/deploy.md."""

import re
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tools.prodstack import Stack

BASE = Path(settings.BASE_DIR)
DEPLOY = BASE / "deploy"


@pytest.fixture
def stack(tmp_path):
    return Stack(directory=tmp_path / "prod", https_port=18443, http_port=18080, app_port=18801)


def test_the_local_site_is_the_deployed_one_with_only_machine_values_replaced(stack):
    original = (DEPLOY / "nginx" / "hongmei.conf").read_text()
    rendered = stack.render_site()
    for production_only in ("/srv/hongmei", "/etc/ssl/hongmei", "cases.example.gov.cn", ":8001"):
        assert production_only in original
        assert production_only not in rendered
    assert "listen 127.0.0.1:18443 ssl http2;" in rendered
    assert "server 127.0.0.1:18801" in rendered
    # Everything else is the same text: the same locations, limits and headers.
    directives = re.compile(
        r"^\s*(location|client_max_body_size|gzip_static|internal|proxy_set_header|add_header)\b.*$",
        re.M,
    )
    assert directives.findall(original) == directives.findall(rendered)
    assert len(directives.findall(rendered)) > 10


def test_nginx_accepts_the_rendered_configuration(stack):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is installed by `make test` (system-packages)"
    stack.directory.mkdir(parents=True)
    (stack.directory / "tls.crt").write_text("")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(stack.directory / "tls.key"),
            "-out",
            str(stack.directory / "tls.crt"),
        ],
        check=True,
        capture_output=True,
    )
    stack.logs.mkdir(parents=True)
    (stack.directory / "run").mkdir()
    stack._nginx_config()
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(stack.directory / "nginx"),
            "-c",
            str(stack.directory / "nginx" / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_site_limits_match_the_app():
    site = (DEPLOY / "nginx" / "hongmei.conf").read_text()
    from cases import images

    limit = int(re.search(r"client_max_body_size (\d+)m;", site).group(1)) * 1024 * 1024
    # Five photos of the largest size fit, with room for the form; far more does not.
    assert limit + 5 * 1024 * 1024 >= images.MAX_PHOTOS * images.MAX_BYTES
    assert images.MAX_CASE_BYTES < limit < 2 * images.MAX_CASE_BYTES
    assert re.search(r"location /protected-media/ \{\s*internal;", site)
    assert re.search(r"location /media/ \{\s*return 404;", site)
    assert "X-Forwarded-Proto $scheme" in site and "X-Real-IP $remote_addr" in site


def test_the_gunicorn_configuration_loads_and_stays_on_loopback(monkeypatch):
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "127.0.0.1:8001"
    assert config["workers"] >= 3 and config["timeout"] == 60
    assert config["preload_app"] is True and config["forwarded_allow_ips"] == "127.0.0.1"
    assert (
        "%(q)s" not in config["access_log_format"]
    )  # no query strings in the log (tracking tokens)


def test_the_units_and_the_procfile_start_the_three_processes():
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"hongmei-web.service", "hongmei-worker.service", "hongmei-beat.service"}
    assert "gunicorn hongmei.wsgi --config deploy/gunicorn.conf.py" in units["hongmei-web.service"]
    assert "celery -A hongmei worker" in units["hongmei-worker.service"]
    assert "celery -A hongmei beat" in units["hongmei-beat.service"]
    for text in units.values():
        assert "EnvironmentFile=/etc/hongmei/hongmei.env" in text and "User=hongmei" in text
    procfile = (DEPLOY / "Procfile").read_text()
    for process in ("web:", "worker:", "beat:", "release:"):
        assert process in procfile


def test_every_variable_of_the_example_environment_is_documented_and_read():
    example = (DEPLOY / "hongmei.env.example").read_text()
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, re.M))
    documented = (BASE / "docs" / "deploy.md").read_text()
    read = (BASE / "hongmei" / "settings.py").read_text() + (
        DEPLOY / "gunicorn.conf.py"
    ).read_text()
    read += "".join(p.read_text() for p in (DEPLOY / "systemd").glob("*.service"))
    assert len(names) > 15
    for name in sorted(names):
        assert f"`{name}`" in documented, f"{name} is not in docs/deploy.md"
        assert name in read, f"{name} is read by nothing"
