"""Back up the database and the stored files into one file; restore it into a fresh database.

    python tools/backup.py backup [--into var/backups]      # `make backup`
    python tools/backup.py restore FILE [--database-url URL] [--media-root DIR]
                                                            # `make restore FILE=...`

A backup is one tar file named by its time (hongmei-YYYYmmdd-HHMMSS.tar) holding
`database.dump` (pg_dump's custom format: one consistent snapshot, restorable table by
table), `media.tar.gz` (MEDIA_ROOT) and `manifest.json` (sizes and SHA-256 of both, the
case count). The dump is taken first and the files after it, so every file a row of the
dump names is in the archive (files are written before their row commits); files of
later cases may be there too, without a row, and are harmless.

Restore never overwrites: it creates a new database (by default named after the backup)
and a new media directory, loads both, then runs `manage.py check_records` against them:
every case has its filing event, its state is where its events lead, every file a row
names exists. Point DATABASE_URL and MEDIA_ROOT at them to serve the restored copy.

Reads DATABASE_URL and MEDIA_ROOT like the app; needs pg_dump and pg_restore
(postgresql-client) of the server's major version or newer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg
from psycopg import sql

BASE = Path(__file__).resolve().parent.parent
PYTHON = (
    str(BASE / ".venv" / "bin" / "python")
    if (BASE / ".venv" / "bin" / "python").exists()
    else sys.executable
)


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _database_url(url: str | None) -> str:
    url = url or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Backups are of PostgreSQL: set DATABASE_URL to a postgres:// URL.")
    return url


def backup(into: Path, *, database_url: str | None = None, media_root: str | None = None) -> Path:
    url = _database_url(database_url)
    media = Path(media_root or os.environ.get("MEDIA_ROOT") or BASE / "media")
    into.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = into / f"hongmei-{stamp}.tar"
    with psycopg.connect(url) as connection:
        cases = connection.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    with tempfile.TemporaryDirectory(dir=into) as scratch:
        dump = Path(scratch) / "database.dump"
        subprocess.run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(dump),
                url,
            ],
            check=True,
        )
        archive = Path(scratch) / "media.tar.gz"
        files = 0
        with tarfile.open(archive, "w:gz") as tar:
            if media.exists():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media)))
                        files += 1
        manifest = {
            "made": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "cases_when_begun": cases,  # the dump holds these and any filed while it ran
            "media_files": files,
            "database.dump": {"bytes": dump.stat().st_size, "sha256": _digest(dump)},
            "media.tar.gz": {"bytes": archive.stat().st_size, "sha256": _digest(archive)},
        }
        (Path(scratch) / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = target.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            for name in ("manifest.json", "database.dump", "media.tar.gz"):
                tar.add(Path(scratch) / name, arcname=name)
        partial.rename(target)
    print(f"backup: {target} ({target.stat().st_size} bytes; {cases} cases or more, {files} files)")
    return target


def restore(
    file: Path, *, database_url: str | None = None, media_root: Path | None = None
) -> tuple[str, Path]:
    stamp = file.stem.removeprefix("hongmei-").replace("-", "_")
    source = _database_url(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    )
    if database_url is None:
        parts = urllib.parse.urlsplit(source)
        database_url = parts._replace(path=f"/hongmei_restore_{stamp}").geturl()
    media_root = media_root or BASE / "var" / "restore" / stamp / "media"
    if media_root.exists() and any(media_root.iterdir()):
        raise SystemExit(f"{media_root} is not empty: restore goes into a fresh directory.")
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    admin = urllib.parse.urlsplit(database_url)._replace(path="/postgres").geturl()
    with tempfile.TemporaryDirectory() as scratch:
        with tarfile.open(file) as tar:
            tar.extractall(scratch, filter="data")
        manifest = json.loads((Path(scratch) / "manifest.json").read_text())
        for part in ("database.dump", "media.tar.gz"):
            if _digest(Path(scratch) / part) != manifest[part]["sha256"]:
                raise SystemExit(f"{file}: {part} does not match its manifest; nothing restored.")
        with psycopg.connect(admin, autocommit=True) as connection:
            if connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone():
                raise SystemExit(f"Database {name} exists: restore goes into a fresh database.")
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "-d",
                database_url,
                str(Path(scratch) / "database.dump"),
            ],
            check=True,
        )
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(Path(scratch) / "media.tar.gz") as tar:
            tar.extractall(media_root, filter="data")
    print(
        f"restore: database {name}, files in {media_root} (at least {manifest['cases_when_begun']} cases)"
    )
    return database_url, media_root


def check(database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root), "DEBUG": "1"}
    env.setdefault("SECRET_KEY", "restore-check-signs-nothing")
    return subprocess.run(
        [PYTHON, "manage.py", "check_records", "--allow-orphans"],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Back up and restore the database and stored files."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup")
    b.add_argument("--into", type=Path, default=BASE / "var" / "backups")
    r = sub.add_parser("restore")
    r.add_argument("file", type=Path)
    r.add_argument("--database-url")
    r.add_argument("--media-root", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.command == "backup":
        backup(arguments.into)
        return
    url, media = restore(
        arguments.file, database_url=arguments.database_url, media_root=arguments.media_root
    )
    result = check(url, media)
    print(result.stdout, end="")
    if result.returncode:
        print(result.stderr, end="", file=sys.stderr)
        raise SystemExit(result.returncode)


if __name__ == "__main__":
    main()
