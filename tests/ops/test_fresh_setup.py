"""The README's set-up on a machine like a fresh Debian one: a new virtualenv, no
node_modules, no Node.js or npm on PATH. `make setup` must bring everything `make run`
needs (the Python packages, the map files, the compiled translations)."""

import os
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
HIDDEN = {"npm", "npx", "node", "nodejs", "corepack"}


def path_without_node(tmp_path: Path) -> str:
    """PATH with every directory that holds npm or node replaced by a copy of it (links)
    without them."""
    directories = []
    for i, entry in enumerate(os.environ["PATH"].split(os.pathsep)):
        directory = Path(entry)
        if not directory.is_dir() or not any((directory / name).exists() for name in HIDDEN):
            directories.append(entry)
            continue
        shadow = tmp_path / f"bin{i}"
        shadow.mkdir()
        for item in directory.iterdir():
            if item.name not in HIDDEN:
                (shadow / item.name).symlink_to(item)
        directories.append(str(shadow))
    return os.pathsep.join(directories)


def test_make_setup_on_a_fresh_checkout_without_node(tmp_path):
    checkout = tmp_path / "checkout"
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    assert not (checkout / "node_modules").exists() and not (checkout / ".venv").exists()
    path = path_without_node(tmp_path)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("VIRTUAL_ENV", "DJANGO_", "PYTEST"))
    }
    env["PATH"] = path
    assert shutil.which("npm", path=path) is None and shutil.which("node", path=path) is None

    setup = subprocess.run(
        ["make", "setup", "PYTHON=python3"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert "front-end packages: leaflet@1.9.4, leaflet.markercluster@1.5.3" in setup.stdout
    assert (checkout / "node_modules/leaflet/dist/leaflet.js").stat().st_size > 100_000
    assert (checkout / "node_modules/leaflet.markercluster/dist/leaflet.markercluster.js").exists()
    assert (checkout / "locale/zh_Hans/LC_MESSAGES/django.mo").exists()
    check = subprocess.run(
        [".venv/bin/python", "manage.py", "check"],
        cwd=checkout,
        env={**env, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout
