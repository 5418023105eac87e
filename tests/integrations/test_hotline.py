"""12345 work orders in: good rows become cases, bad rows are reported by line, a repeated
file creates nothing, and nothing is half-imported."""

import io
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import translation

from cases.models import Case, Event, Reporter, State
from cases.workflow import Actor
from integrations import hotline
from tests import factories

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
HEAD = ["工单编号", "受理时间", "问题类别", "地址", "问题描述", "来电人", "联系电话", "办结时限"]
GOOD = ["A-1", "2026-11-20 09:12", "暴露垃圾/道路不洁", "虹梅路2000号", "垃圾", "张先生",
        "13800000001", "2026-11-22 18:00"]  # fmt: skip


@pytest.fixture(autouse=True)
def _clock():
    """The work orders are dated 20–22 November 2026: the import runs on a clock held after
    them (an order accepted in the future is refused), whatever the day the suite runs."""
    with time_machine.travel(factories.aware(2026, 12, 1, 10, 0), tick=True):
        yield


@pytest.fixture(autouse=True)
def _english():
    """Reasons are checked in English, the language they are written in."""
    with translation.override("en"):
        yield


def csv_file(rows, name="orders.csv", encoding="utf-8-sig"):
    out = io.StringIO()
    for row in rows:
        out.write(",".join(row) + "\r\n")
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def xlsx_file(rows, name="orders.xlsx"):
    out = io.BytesIO()
    hotline.write_xlsx(rows, out)
    return SimpleUploadedFile(name, out.getvalue())


def run(street, upload, who="dispatcher"):
    return hotline.import_orders(upload, actor=Actor.staff(street.users[who]))


def test_each_row_becomes_a_12345_case_with_the_order_number_and_deadline(street):
    result = run(street, csv_file([HEAD, GOOD]))
    assert result.errors == [] and result.skipped == []
    ((line, number),) = result.created
    assert line == 2
    case = Case.objects.get(number=number)
    assert case.channel == Case.Channel.HOTLINE == "12345"
    assert case.external_id == "A-1"
    assert case.external_due == factories.aware(2026, 11, 22, 18, 0)
    assert case.created_at == factories.aware(2026, 11, 20, 9, 12)
    assert case.category == street.categories["litter"]
    assert (case.address, case.description) == ("虹梅路2000号", "垃圾")
    assert (case.reporter.name, case.reporter.phone) == ("张先生", "13800000001")
    filed = case.events.get(kind="file")
    # Intake's clock: two working hours from the filing (Friday 09:12 → 11:12).
    assert filed.actor == street.users["dispatcher"] and filed.data == {
        "channel": "12345",
        "dispatch_due": "2026-11-20T11:12:00+08:00",
    }


def test_the_sample_files_in_docs_import_whole(street):
    result = run(street, SimpleUploadedFile("s.csv", (SAMPLES / "12345-sample.csv").read_bytes()))
    assert result.errors == [] and len(result.created) == len(hotline.SAMPLE_ROWS)
    again = run(street, SimpleUploadedFile("s.xlsx", (SAMPLES / "12345-sample.xlsx").read_bytes()))
    assert again.created == [] and len(again.skipped) == len(hotline.SAMPLE_ROWS)
    fumes = Case.objects.get(external_id="12345-20261120-0003")
    # A row with a point is placed in its area and routed by the demo rules.
    assert fumes.area == street.areas["compound-hangtian-2"]
    assert fumes.state == State.DISPATCHED and fumes.lead_party == street.parties["market"]


def test_the_sample_files_are_what_the_command_writes(tmp_path):
    from django.core.management import call_command

    call_command("hotline_samples", str(tmp_path))
    assert (tmp_path / "12345-sample.csv").read_bytes() == (
        SAMPLES / "12345-sample.csv"
    ).read_bytes()


def test_importing_the_same_file_twice_creates_nothing_new(street):
    rows = [HEAD, GOOD, ["A-2", *GOOD[1:]]]
    first = run(street, csv_file(rows))
    cases, events = Case.objects.count(), Event.objects.count()
    second = run(street, xlsx_file(rows))
    assert len(first.created) == 2
    assert second.created == [] and second.errors == []
    assert second.skipped == [(2, "A-1", first.created[0][1]), (3, "A-2", first.created[1][1])]
    assert (Case.objects.count(), Event.objects.count()) == (cases, events)


def test_a_number_repeated_inside_a_file_is_reported(street):
    result = run(street, csv_file([HEAD, GOOD, GOOD]))
    assert len(result.created) == 1
    assert result.errors == [(3, "工单编号 A-1 repeats line 2.")]


def test_bad_rows_are_reported_by_line_while_good_rows_go_in(street):
    rows = [
        HEAD,
        GOOD,
        ["A-2", "not a date", "暴露垃圾/道路不洁", "x", "y", "", "", "2026-11-22"],
        ["A-3", "2026-11-20 09:00", "pothole", "x", "y", "", "", "2026-11-22"],
        ["", "2026-11-20 09:00", "litter", "x", "", "", "", "2026-11-22"],
        ["A-5", "2026-11-20 09:00", "litter", "x", "y", "", "call me", "2026-11-19"],
        ["A-6", "2099-01-01 09:00", "litter", "x", "y", "", "", "2099-01-02"],
        ["A-7", "2026/11/20 9:05", "街面秩序-非机动车停放", "x", "y", "", "", "2026年11月21日"],
    ]
    result = run(street, csv_file(rows))
    assert [line for line, _ in result.created] == [2, 8]
    reasons = dict(result.errors)
    assert set(reasons) == {3, 4, 5, 6, 7}
    assert "受理时间 “not a date” is not a date and time" in reasons[3]
    assert "Unknown category “pothole”" in reasons[4]
    assert "工单编号 is empty." in reasons[5] and "问题描述 is empty." in reasons[5]
    assert "联系电话 is not a phone number." in reasons[6]
    assert "办结时限 is before 受理时间." in reasons[6]
    assert "受理时间 is in the future." in reasons[7]
    bikes = Case.objects.get(external_id="A-7")
    assert bikes.category == street.categories["bike-parking"]
    assert bikes.external_due == factories.aware(2026, 11, 21, 23, 59, 59)
    assert Case.objects.filter(channel="12345").count() == 2


def test_a_row_that_fails_while_filing_leaves_nothing_behind(street, monkeypatch):
    real = hotline.workflow.file_case

    def fail_for_a2(**kwargs):
        if kwargs["external_id"] == "A-2":
            real(**kwargs)  # the case and its reporter are written, then the row fails
            raise IntegrityError("lost a race")
        return real(**kwargs)

    monkeypatch.setattr(hotline.workflow, "file_case", fail_for_a2)
    reporters = Reporter.objects.count()
    result = run(street, csv_file([HEAD, GOOD, ["A-2", *GOOD[1:]]]))
    assert [line for line, _ in result.created] == [2]
    assert result.skipped == [(3, "A-2", None)]
    assert not Case.objects.filter(external_id="A-2").exists()
    assert Reporter.objects.count() == reporters + 1


def test_excel_dates_numbers_and_english_headings_are_read(street):
    from datetime import datetime

    rows = [
        ["Order number", "Received at", "Category", "Address", "Description", "Caller phone",
         "Hotline deadline"],
        [20261120001, datetime(2026, 11, 20, 9, 0), "noise", "x", "夜间噪声", 13800000009,
         datetime(2026, 11, 21, 18, 0)],
    ]  # fmt: skip
    result = run(street, xlsx_file(rows))
    assert result.errors == []
    case = Case.objects.get(external_id="20261120001")
    assert case.reporter.phone == "13800000009"
    assert case.external_due == factories.aware(2026, 11, 21, 18, 0)


def test_a_gbk_csv_from_excel_is_read(street):
    result = run(street, csv_file([HEAD, GOOD], encoding="gb18030"))
    assert len(result.created) == 1 and result.errors == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        ("工单编号,地址\r\nA-1,x\r\n".encode(), "The heading row lacks these columns"),
        (b"PK\x03\x04 broken zip", "This is not a CSV or Excel (.xlsx) file."),
        (b"\x00\x01\x02\xff\xfe", "This is not a CSV or Excel (.xlsx) file."),
    ],
)
def test_an_unreadable_file_imports_nothing(street, content, message):
    with pytest.raises(
        hotline.ImportFileError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        run(street, SimpleUploadedFile("x.csv", content))
    assert not Case.objects.exists()


def test_a_supervisor_imports_through_the_system_named(street):
    result = hotline.import_orders(
        csv_file([HEAD, GOOD]), actor=Actor.system("12345 import by supervisor")
    )
    case = Case.objects.get(number=result.created[0][1])
    assert case.events.get(kind="file").cause == "12345 import by supervisor"


# ---------------------------------------------------------------------------- the page


def test_the_import_page_is_for_dispatchers_and_supervisors(client, street):
    assert client.get("/staff/imports/12345/").status_code == 302
    for username, expected in [("dispatcher", 200), ("supervisor", 200), ("hangtian", 403),
                               ("inspector", 403)]:  # fmt: skip
        client.force_login(street.users[username])
        assert client.get("/staff/imports/12345/").status_code == expected, username


def test_the_page_imports_a_file_and_lists_the_outcome(client, street):
    client.force_login(street.users["dispatcher"])
    bad = ["A-2", "bad", "litter", "x", "y", "", "", "2026-11-22"]
    response = client.post("/staff/imports/12345/", {"file": csv_file([HEAD, GOOD, bad])})
    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.created) == 1 and [line for line, _ in result.errors] == [3]
    page = response.content.decode()
    number = result.created[0][1]
    assert f'href="/staff/cases/{number}/"' in page
    assert "受理时间“bad”不是日期时间" in page


def test_the_page_refuses_other_file_types_next_to_the_field(client, street):
    client.force_login(street.users["supervisor"])
    upload = SimpleUploadedFile("orders.pdf", b"%PDF-1.4")
    response = client.post("/staff/imports/12345/", {"file": upload})
    assert response.context["form"].errors == {"file": ["请选择 .csv 或 .xlsx 文件。"]}
    assert not Case.objects.exists()


def test_the_page_offers_the_template_in_both_formats(client, street):
    client.force_login(street.users["dispatcher"])
    csv_response = client.get("/staff/imports/12345/template.csv")
    assert csv_response["Content-Disposition"] == 'attachment; filename="12345-template.csv"'
    assert csv_response.content.decode("utf-8-sig").startswith(",".join(HEAD))
    xlsx = client.get("/staff/imports/12345/template.xlsx")
    assert xlsx.content.startswith(b"PK\x03\x04")
    result = run(street, SimpleUploadedFile("t.xlsx", xlsx.content))
    assert len(result.created) == len(hotline.SAMPLE_ROWS)


FUMES_ROW = ["A-9", "2026-11-20 09:00", "餐饮油烟", "x", "楼下饭店油烟太大", "", "", "2026-11-27"]


def test_an_unknown_category_comes_with_the_likeliest_from_the_description(street):
    factories.stored_category_model()
    rows = [HEAD, FUMES_ROW]
    result = run(street, csv_file(rows))
    [(line, reason)] = result.errors
    assert line == 2
    assert "Unknown category “餐饮油烟”" in reason
    assert "From the description it is most likely: 油烟扰民（" in reason
    assert not Case.objects.filter(external_id="A-9").exists()


def test_without_a_model_an_unknown_category_is_reported_plainly(street):
    rows = [HEAD, FUMES_ROW]
    [(_line, reason)] = run(street, csv_file(rows)).errors
    assert reason == ("Unknown category “餐饮油烟”: use a category name or code of the tracker.")
