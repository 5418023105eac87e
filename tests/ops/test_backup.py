"""make backup / make restore (tools/backup.py): one file with the dump and the photos,
restored into a fresh database and checked; a backup that does not match its manifest is
refused before anything is created."""

import io
import json
import tarfile
import uuid

import psycopg
import pytest
from django.db import connection

from cases.models import Case, State
from tests import factories
from tests.factories import act, case_in, tiny_photo
from tools import backup

pytestmark = pytest.mark.django_db(transaction=True)


def url_of(name):
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_name():
    name = f"test_restore_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_backup_restores_into_a_fresh_database_whole(settings, tmp_path, fresh_name, capsys):
    settings.MEDIA_ROOT = tmp_path / "media"
    street = factories.street()
    case = case_in(street, State.IN_PROGRESS)
    act(
        street,
        case,
        "resolve",
        "hangtian",
        note="已清理",
        photos=[tiny_photo()],
        open_shares_reason="已电话反馈",
    )
    source = url_of(connection.settings_dict["NAME"])

    target = backup.backup(
        tmp_path / "backups", database_url=source, media_root=str(settings.MEDIA_ROOT)
    )

    with tarfile.open(target) as tar:
        assert sorted(tar.getnames()) == ["database.dump", "manifest.json", "media.tar.gz"]
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["cases_when_begun"] == Case.objects.count() and manifest["media_files"] == 1
    restored_media = tmp_path / "restored"
    url, media = backup.restore(target, database_url=url_of(fresh_name), media_root=restored_media)
    result = backup.check(url, media)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"cases {Case.objects.count()}, events" in result.stdout
    assert "records whole: 0 problems" in result.stdout
    with psycopg.connect(url) as restored:
        assert restored.execute(
            "SELECT state FROM cases_case WHERE number = %s", [case.number]
        ).fetchone() == ("resolved",)
    assert (
        restored_media / case.attachments.get().file.name
    ).read_bytes() == case.attachments.get().file.read()


def test_a_backup_that_does_not_match_its_manifest_is_refused(settings, tmp_path, fresh_name):
    settings.MEDIA_ROOT = tmp_path / "media"
    factories.street()
    target = backup.backup(
        tmp_path / "b",
        database_url=url_of(connection.settings_dict["NAME"]),
        media_root=str(tmp_path / "media"),
    )
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(target) as source, tarfile.open(tampered, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "database.dump":
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(
        SystemExit, match=r"database\.dump does not match its manifest; nothing restored"
    ):
        backup.restore(tampered, database_url=url_of(fresh_name), media_root=tmp_path / "r")
    with psycopg.connect(url_of("postgres")) as admin:
        assert not admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [fresh_name]
        ).fetchone()
