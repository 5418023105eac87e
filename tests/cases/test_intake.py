"""Filing from the public form exactly once per send, and nothing half-stored."""

import time

import pytest

from cases import intake, workflow
from cases.images import Photo
from cases.models import Attachment, Case, Reporter, Submission
from tests import factories
from tests.cases.test_concurrency import race
from tests.cases.test_images import jpeg
from tests.factories import HANGTIAN_POINT


def photo():
    return Photo(data=jpeg(), width=64, height=48)


def filing(street, key, photos=()):
    return dict(
        key=key,
        reporter=Reporter(phone="13800138000"),
        category=street.categories["litter"],
        description="路边有暴露垃圾",
        answers={},
        lat=HANGTIAN_POINT[0],
        lng=HANGTIAN_POINT[1],
        area=None,
        address="",
        photos=list(photos),
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return lambda: [p for p in tmp_path.rglob("*") if p.is_file()]


def test_the_same_key_returns_the_first_submission(street):
    key = intake.new_key()
    first = intake.file_report(**filing(street, key))
    again = intake.file_report(**filing(street, key))
    assert again.pk == first.pk and Case.objects.count() == 1 == Reporter.objects.count()


def test_a_malformed_key_is_refused(street):
    with pytest.raises(ValueError):
        intake.file_report(**filing(street, "short"))
    assert Case.objects.count() == 0


def test_a_failure_after_filing_leaves_no_case_and_no_file(street, media, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Submission, "save", broken_save)
    with pytest.raises(RuntimeError):
        intake.file_report(**filing(street, intake.new_key(), photos=[photo()]))
    assert (Case.objects.count(), Reporter.objects.count(), Attachment.objects.count()) == (0, 0, 0)
    assert media() == []


def test_a_refused_case_leaves_no_reporter_and_no_submission(street, media):
    data = filing(street, intake.new_key(), photos=[photo()])
    data["description"] = " "
    with pytest.raises(workflow.MissingInput):
        intake.file_report(**data)
    assert (Reporter.objects.count(), Submission.objects.count()) == (0, 0)
    assert media() == []


@pytest.mark.django_db(transaction=True)
def test_two_sends_with_one_key_at_the_same_moment_file_one_case(monkeypatch):
    # Hold the first filing open a moment, so that the second send arrives while it runs.
    file_case = workflow.file_case

    def slow_file_case(**kwargs):
        time.sleep(0.3)
        return file_case(**kwargs)

    monkeypatch.setattr(workflow, "file_case", slow_file_case)
    street = factories.street()
    key = intake.new_key()

    results = race(2, lambda i: intake.file_report(**filing(street, key)))

    assert all(isinstance(r, Submission) for r in results), results
    assert results[0].pk == results[1].pk
    assert (Case.objects.count(), Reporter.objects.count(), Submission.objects.count()) == (1, 1, 1)


def test_reports_nearby_leave_out_sensitive_categories(street):
    factories.case_in(street, "dispatched", category="group-renting")
    renting = street.categories["group-renting"]
    assert intake.nearby(renting, lat=HANGTIAN_POINT[0], lng=HANGTIAN_POINT[1]) == []
    factories.case_in(street, "dispatched")
    litter = street.categories["litter"]
    assert len(intake.nearby(litter, lat=HANGTIAN_POINT[0], lng=HANGTIAN_POINT[1])) == 1
