"""tools/frontend.py installs package-lock.json without npm, from a registry that here is a
stand-in on loopback, and refuses a tarball whose hash the lock file does not pin."""

import base64
import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tools import frontend


def tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def registry():
    served: dict[str, bytes] = {}
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            body = served.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", served, asked
    server.shutdown()


def lock(tmp_path, packages):
    path = tmp_path / "package-lock.json"
    entries = {"": {"name": "x"}}
    for key, (version, data) in packages.items():
        entries[key] = {"version": version, "integrity": integrity(data)}
    path.write_text(json.dumps({"lockfileVersion": 3, "packages": entries}))
    return path


def test_installs_each_locked_package_where_npm_would(tmp_path, registry):
    url, served, asked = registry
    leaflet = tarball(
        {"package/package.json": b'{"version": "1.9.4"}', "package/dist/leaflet.js": b"L"}
    )
    scoped = tarball(
        {"package/package.json": b'{"version": "4.10.0"}', "package/axe.min.js": b"axe"}
    )
    served["/leaflet/-/leaflet-1.9.4.tgz"] = leaflet
    served["/@scope/axe/-/axe-4.10.0.tgz"] = scoped
    path = lock(
        tmp_path,
        {"node_modules/leaflet": ("1.9.4", leaflet), "node_modules/@scope/axe": ("4.10.0", scoped)},
    )

    installed = frontend.install(path, tmp_path, url)

    assert sorted(installed) == ["@scope/axe@4.10.0", "leaflet@1.9.4"]
    assert (tmp_path / "node_modules/leaflet/dist/leaflet.js").read_bytes() == b"L"
    assert (tmp_path / "node_modules/@scope/axe/axe.min.js").read_bytes() == b"axe"
    # A second run finds them installed and fetches nothing.
    assert frontend.install(path, tmp_path, url) == []
    assert len(asked) == 2


def test_a_tarball_that_does_not_match_the_lock_is_refused_and_nothing_is_written(
    tmp_path, registry
):
    url, served, _ = registry
    pinned = tarball(
        {"package/package.json": b'{"version": "1.9.4"}', "package/dist/leaflet.js": b"L"}
    )
    served["/leaflet/-/leaflet-1.9.4.tgz"] = tarball({"package/dist/leaflet.js": b"tampered"})
    path = lock(tmp_path, {"node_modules/leaflet": ("1.9.4", pinned)})

    with pytest.raises(SystemExit, match=r"sha512 is .* the lock file says .*nothing installed"):
        frontend.install(path, tmp_path, url)
    assert not (tmp_path / "node_modules").exists()


def test_paths_leaving_the_package_are_never_written(tmp_path, registry):
    url, served, _ = registry
    evil = tarball(
        {"package/package.json": b'{"version": "1.0.0"}', "package/../../escaped.js": b"x"}
    )
    served["/evil/-/evil-1.0.0.tgz"] = evil
    path = lock(tmp_path, {"node_modules/evil": ("1.0.0", evil)})
    frontend.install(path, tmp_path, url)
    assert not (tmp_path / "escaped.js").exists() and not (tmp_path.parent / "escaped.js").exists()
    assert (tmp_path / "node_modules/evil/package.json").exists()


def test_the_project_lock_names_a_version_and_hash_for_every_package():
    from django.conf import settings

    packages = frontend.packages(json.loads((settings.BASE_DIR / "package-lock.json").read_text()))
    names = {name for _, name, _, _ in packages}
    assert {"leaflet", "leaflet.markercluster"} <= names
    assert all(i.startswith("sha512-") for *_, i in packages)
