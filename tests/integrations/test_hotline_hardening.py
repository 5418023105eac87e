"""12345 files under crafted cells (docs/security.md): control characters are dropped on
import (finding 4); what we write is safe to open in a spreadsheet (finding 5)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from cases.models import Case
from cases.workflow import Actor
from integrations import hotline

HEAD = ["工单编号", "受理时间", "问题类别", "地址", "问题描述", "来电人", "联系电话", "办结时限"]


def test_control_characters_in_a_work_order_are_dropped(street):
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            HEAD,
            ["A-\x011", "2026-11-20 09:12", "暴露垃圾/道路不洁", "虹梅路\x0b2000号",
             "垃圾\x01\x0b\n很多", "张\x07先生", "13800000001", "2026-11-22 18:00"],
        ]
    )  # fmt: skip
    upload = SimpleUploadedFile("orders.csv", out.getvalue().encode("utf-8"))
    result = hotline.import_orders(upload, actor=Actor.staff(street.users["dispatcher"]))
    assert result.errors == []
    case = Case.objects.get()
    assert (case.external_id, case.address, case.description, case.reporter.name) == (
        "A-1",
        "虹梅路2000号",
        "垃圾\n很多",
        "张先生",
    )


ROWS = [["工单编号", "问题描述"], ["=1+1", "@SUM(A1)"], ["-2", "路边有垃圾"]]


def test_the_csv_we_write_quotes_formula_cells():
    out = io.BytesIO()
    hotline.write_csv(ROWS, out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows == [["工单编号", "问题描述"], ["'=1+1", "'@SUM(A1)"], ["'-2", "路边有垃圾"]]


def test_the_xlsx_we_write_holds_text_not_formulas():
    out = io.BytesIO()
    hotline.write_xlsx(ROWS, out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    cells = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells[0][:2] == [("'=1+1", "s"), ("'@SUM(A1)", "s")]
    assert cells[1][0] == ("'-2", "s")
