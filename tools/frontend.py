"""Install the front-end packages of package-lock.json into node_modules/, without npm.

    python tools/frontend.py [--registry URL] [--lock package-lock.json] [--root DIR]

A fresh Debian machine has Python but often no Node.js. The app needs only the published
files of a few npm packages (Leaflet and its plugins, served as static files; no bundler),
so the set-up fetches each package's tarball from the npm registry itself, checks it against
the `integrity` hash the lock file pins (sha512, as npm does) and unpacks it where npm
would. A tarball whose hash differs is refused and nothing of it is written. npm is still
what updates package-lock.json (`npm install leaflet@x.y.z`); this only installs it.

The registry is NPM_CONFIG_REGISTRY, else https://registry.npmjs.org/.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path, PurePosixPath

BASE = Path(__file__).resolve().parent.parent
DEFAULT_REGISTRY = "https://registry.npmjs.org/"


class IntegrityError(Exception):
    pass


def packages(lock: dict) -> list[tuple[str, str, str]]:
    """(path under the project, name, version, integrity) of every locked package."""
    # npm writes "dev": true on packages only the development set needs; the app serves
    # none of those, but the browser tests may (axe-core): install them too.
    found = []
    for key, entry in sorted(lock.get("packages", {}).items()):
        if not key.startswith("node_modules/") or entry.get("link"):
            continue
        name = key.rsplit("node_modules/", 1)[1]
        if "version" not in entry or "integrity" not in entry:
            raise SystemExit(f"package-lock.json: {key} has no version or integrity")
        found.append((key, name, entry["version"], entry["integrity"]))
    return found


def tarball_url(registry: str, name: str, version: str) -> str:
    # Scoped packages keep their scope in the path, not in the file name.
    return f"{registry.rstrip('/')}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def check(data: bytes, integrity: str) -> None:
    for candidate in integrity.split():
        algorithm, _, expected = candidate.partition("-")
        if algorithm in ("sha512", "sha384", "sha256", "sha1"):
            actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
            if actual == expected:
                return
            raise IntegrityError(f"{algorithm} is {actual}, the lock file says {expected}")
    raise IntegrityError(f"no hash this installer knows in {integrity!r}")


def unpack(data: bytes, destination: Path) -> None:
    """The tarball's `package/` directory becomes `destination` (replaced whole)."""
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        target = Path(scratch) / "package"
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                parts = PurePosixPath(member.name).parts
                if (
                    not member.isfile()
                    or len(parts) < 2
                    or ".." in parts
                    or member.name.startswith("/")
                ):
                    continue  # directories are made as needed; links and odd paths never
                path = target.joinpath(*parts[1:])
                path.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, open(path, "wb") as out:
                    shutil.copyfileobj(source, out)
        if destination.exists():
            shutil.rmtree(destination)
        target.rename(destination)


def install(lock_path: Path, root: Path, registry: str, fetch=None) -> list[str]:
    """Install every package of the lock file under `root` (root/node_modules/...)."""
    fetch = fetch or (lambda url: urllib.request.urlopen(url, timeout=60).read())
    lock = json.loads(lock_path.read_text())
    installed = []
    for key, name, version, integrity in packages(lock):
        destination = root / key
        stamp = destination / "package.json"
        if stamp.exists() and json.loads(stamp.read_text()).get("version") == version:
            continue
        url = tarball_url(registry, name, version)
        data = fetch(url)
        try:
            check(data, integrity)
        except IntegrityError as error:
            raise SystemExit(f"{name}@{version} from {url}: {error}; nothing installed") from None
        destination.parent.mkdir(parents=True, exist_ok=True)
        unpack(data, destination)
        installed.append(f"{name}@{version}")
    return installed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Install package-lock.json without npm.")
    parser.add_argument("--lock", type=Path, default=BASE / "package-lock.json")
    parser.add_argument("--root", type=Path, default=BASE, help="where node_modules/ goes")
    parser.add_argument(
        "--registry", default=os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    )
    arguments = parser.parse_args(argv)
    installed = install(arguments.lock, arguments.root, arguments.registry)
    print("front-end packages: " + (", ".join(installed) if installed else "already installed"))


if __name__ == "__main__":
    sys.exit(main())
