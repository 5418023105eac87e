"""12345 hotline work orders in: a dispatcher uploads a CSV or Excel file (template in
docs/integrations.md); each row becomes a case with channel 12345, the order's number in
Case.external_id and the hotline's deadline in Case.external_due.

- A row is filed whole or not at all (one transaction per row); a row that cannot be read is
  reported by its line with the reason, and the good rows still go in.
- Importing a file again creates nothing new: an order number already filed from 12345 is
  skipped (the unique constraint on (channel, external_id) settles a race between two
  uploads).
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import routing, suggest, workflow
from cases.inputs import MAX_TEXT
from cases.models import Case, Category, Reporter
from cases.spreadsheet import safe_row
from cases.text import clean_text

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
CHANNEL = Case.Channel.HOTLINE


@dataclass(frozen=True)
class Column:
    name: str
    header: str  # the template's (Chinese) heading
    header_en: str
    required: bool
    help: str


COLUMNS = [
    Column("order_number", "工单编号", "Order number", True,
           gettext_lazy("The hotline's work-order number; unique, at most 50 characters.")),
    Column("received_at", "受理时间", "Received at", True,
           gettext_lazy("When the hotline took the call, e.g. 2026-11-20 09:30.")),
    Column("category", "问题类别", "Category", True,
           gettext_lazy("A category of the tracker by name or code; “main-sub” also works.")),
    Column("address", "地址", "Address", True, gettext_lazy("Where the problem is.")),
    Column("description", "问题描述", "Description", True,
           gettext_lazy("What the caller reported, at most 4000 characters.")),
    Column("caller_name", "来电人", "Caller name", False, gettext_lazy("May be empty.")),
    Column("caller_phone", "联系电话", "Caller phone", False, gettext_lazy("May be empty.")),
    Column("due_at", "办结时限", "Hotline deadline", True,
           gettext_lazy("The hotline's deadline; a date alone means the end of that day.")),
    Column("lat", "纬度", "Latitude", False, gettext_lazy("Optional, WGS84 decimal degrees.")),
    Column("lng", "经度", "Longitude", False, gettext_lazy("Optional, WGS84 decimal degrees.")),
]  # fmt: skip
HEADERS = {
    alias.strip().lower(): column.name
    for column in COLUMNS
    for alias in (column.header, column.header_en, column.name)
}
DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
)
DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class Result:
    created: list = field(default_factory=list)  # (line, case number)
    skipped: list = field(default_factory=list)  # (line, order number, existing case number)
    errors: list = field(default_factory=list)  # (line, reason)


class RowError(ValueError):
    pass


# ---------------------------------------------------------------------------- reading


def read_rows(upload):
    """(line, {column: value}) for each non-empty row of a CSV or XLSX upload, where
    line is the row's number as a spreadsheet shows it (the heading is line 1)."""
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB; split it into smaller files."))
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    rows = _xlsx_rows(raw) if raw.startswith(b"PK\x03\x04") else _csv_rows(raw)
    names = None
    result = []
    for line, cells in rows:
        if not any(_blank(c) is False for c in cells):
            continue
        if names is None:
            names = _columns(cells)
            continue
        if len(result) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(n)s work orders; split it.") % {"n": MAX_ROWS}
            )
        values = {name: cells[i] if i < len(cells) else None for i, name in names.items()}
        result.append((line, values))
    if names is None:
        raise ImportFileError(_("The file has no heading row."))
    return result


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _columns(cells):
    names = {}
    for i, cell in enumerate(cells):
        name = HEADERS.get(str(cell or "").strip().lower())
        if name:
            names[i] = name
    missing = [c.header for c in COLUMNS if c.required and c.name not in names.values()]
    if missing:
        raise ImportFileError(
            _("The heading row lacks these columns: %(columns)s. Use the template.")
            % {"columns": "、".join(missing)}
        )
    return names


def _csv_rows(raw):
    if b"\x00" in raw:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        message = _("The CSV file cannot be read: %(error)s") % {"error": error}
        raise ImportFileError(message) from error


def _xlsx_rows(raw):
    from openpyxl import load_workbook  # only for .xlsx uploads; slow to import

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("This is not a CSV or Excel (.xlsx) file.")) from error
    try:
        sheet = book.worksheets[0]
        return [(i, list(row)) for i, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        book.close()


# ---------------------------------------------------------------------------- rows


def parse_row(values, categories, now):
    """The file_case() arguments for one row, or RowError with every reason it fails."""
    reasons = []
    text = {
        name: _text(values.get(name), multiline=name == "description") for name in HEADERS.values()
    }
    for column in COLUMNS:
        if column.required and not text[column.name]:
            reasons.append(_("%(column)s is empty.") % {"column": column.header})
    order = text["order_number"]
    if len(order) > 50:
        reasons.append(_("工单编号 is longer than 50 characters."))
    received = _moment(values.get("received_at"), "受理时间", reasons, day_end=False)
    due = _moment(values.get("due_at"), "办结时限", reasons, day_end=True)
    if received and received > now:
        reasons.append(_("受理时间 is in the future."))
    if received and due and due < received:
        reasons.append(_("办结时限 is before 受理时间."))
    category = None
    if text["category"]:
        category = match_category(text["category"], categories)
        if category is None:
            reasons.append(
                _("Unknown category “%(text)s”: use a category name or code of the tracker.")
                % {"text": text["category"]}
                + _likely_categories(text["description"])
            )
    if len(text["description"]) > MAX_TEXT:
        reasons.append(_("问题描述 is longer than 4000 characters."))
    if len(text["address"]) > 200:
        reasons.append(_("地址 is longer than 200 characters."))
    if len(text["caller_name"]) > 50:
        reasons.append(_("来电人 is longer than 50 characters."))
    phone = text["caller_phone"]
    if phone and not re.fullmatch(r"\+?[\d\s-]{5,20}", phone):
        reasons.append(_("联系电话 is not a phone number."))
    point = _point(text["lat"], text["lng"], reasons)
    if reasons:
        raise RowError(" ".join(reasons))
    return {
        "external_id": order,
        "at": received,
        "external_due": due,
        "category": category,
        "address": text["address"],
        "description": text["description"],
        "caller": {"name": text["caller_name"], "phone": phone},
        **point,
    }


def _likely_categories(description):
    """ " From the description it is most likely: 油烟扰民（92%）…" (cases.suggest), or
    nothing without a model."""
    guesses = suggest.with_categories(suggest.predict(description, k=3))
    if not guesses:
        return ""
    named = "、".join(f"{c.name}（{p:.0%}）" for c, p in guesses)
    return " " + _("From the description it is most likely: %(categories)s.") % {
        "categories": named
    }


def _text(value, *, multiline=False):
    """The cell as text without control characters (cases.text)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps long order and phone numbers as numbers
    if isinstance(value, datetime | date):
        return value.isoformat()
    return clean_text(str(value), multiline=multiline).strip()


def _moment(value, column, reasons, *, day_end):
    if _blank(value):
        return None
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(23, 59, 59) if day_end else time.min)
    else:
        raw = str(value).strip()
        try:
            moment = parse_datetime(raw)
        except ValueError:
            moment = None
        for fmt in DATE_FORMATS if moment is None else ():
            try:
                moment = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        for fmt in DAY_FORMATS if moment is None and day_end else ():
            try:
                moment = datetime.combine(datetime.strptime(raw, fmt).date(), time(23, 59, 59))
                break
            except ValueError:
                continue
    if moment is None:
        reasons.append(
            _("%(column)s “%(value)s” is not a date and time such as 2026-11-20 09:30.")
            % {"column": column, "value": value}
        )
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _point(lat, lng, reasons):
    if not lat and not lng:
        return {}
    try:
        point = {"lat": float(lat), "lng": float(lng)}
    except ValueError:
        reasons.append(_("纬度 and 经度 must both be decimal degrees."))
        return {}
    area = routing.area_for_point(point["lat"], point["lng"])
    if area is None:
        reasons.append(_("纬度/经度 lie outside Hongmei Street."))
        return {}
    return {**point, "area": area}


def leaf_categories():
    return list(
        Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")
    )


def match_category(text, categories):
    """The sub-category a 12345 category text names: its code, Chinese or English name, the
    last part of "main-sub" / "main/sub", or one of its keywords."""
    wanted = text.strip().lower()
    parts = [p.strip() for p in re.split(r"[-/>－—|]", wanted) if p.strip()]
    candidates = [wanted, *parts[::-1]]
    for candidate in candidates:
        for category in categories:
            names = {category.code.lower(), category.name.lower(), category.name_en.lower()}
            if candidate in names - {""}:
                return category
    for candidate in candidates:
        for category in categories:
            keywords = {k.strip().lower() for k in re.split(r"[,，、]", category.keywords)}
            if candidate in keywords - {""}:
                return category
    return None


# ---------------------------------------------------------------------------- import


def import_orders(upload, *, actor, now=None):
    """Import a work-order file as `actor`. Returns a Result; raises ImportFileError when
    the file as a whole cannot be read (then nothing is imported)."""
    now = now or timezone.now()
    rows = read_rows(upload)
    categories = leaf_categories()
    result = Result()
    seen = {}
    for line, values in rows:
        try:
            row = parse_row(values, categories, now)
        except RowError as error:
            result.errors.append((line, str(error)))
            continue
        order = row["external_id"]
        if order in seen:
            result.errors.append(
                (
                    line,
                    _("工单编号 %(order)s repeats line %(line)s.")
                    % {"order": order, "line": seen[order]},
                )
            )
            continue
        seen[order] = line
        existing = _existing(order)
        if existing:
            result.skipped.append((line, order, existing))
            continue
        try:
            case = _file(row, actor)
        except IntegrityError:
            result.skipped.append((line, order, _existing(order)))
        except workflow.WorkflowError as error:
            result.errors.append((line, str(error)))
        else:
            result.created.append((line, case.number))
    return result


def _existing(order):
    return (
        Case.objects.filter(channel=CHANNEL, external_id=order)
        .values_list("number", flat=True)
        .first()
    )


def _file(row, actor):
    caller = row.pop("caller")
    with transaction.atomic():
        reporter = (
            Reporter.objects.create(kind=Reporter.Kind.OTHER, **caller)
            if any(caller.values())
            else None
        )
        return workflow.file_case(
            actor=actor, channel=CHANNEL, reporter=reporter, route=True, **row
        )


# ---------------------------------------------------------------------------- template

SAMPLE_ROWS = [
    ["12345-20261120-0001", "2026-11-20 09:12", "暴露垃圾/道路不洁", "虹梅路2000号对面人行道",
     "人行道上有大量暴露垃圾，已经两天没人清理。", "张先生", "13800000001",
     "2026-11-22 18:00", "", ""],
    ["12345-20261120-0002", "2026-11-20 10:40", "街面秩序-非机动车停放", "桂箐路65号园区门口",
     "共享单车堆满人行道，行人只能走机动车道。", "", "13800000002", "2026-11-21", "", ""],
    ["12345-20261120-0003", "2026-11-20 14:05", "油烟扰民", "虹梅路（航天新苑段）",
     "楼下餐馆油烟直排，晚上气味很大。", "李女士", "", "2026-11-27 18:00", "31.1785",
     "121.3955"],
    ["12345-20261120-0004", "2026-11-20 16:30", "噪声扰民", "钦州北路永兆小区东门",
     "夜间施工噪声扰民，持续到凌晨。", "王先生", "13800000004", "2026-11-24 18:00", "", ""],
]  # fmt: skip


def template_rows(sample=True):
    return [[c.header for c in COLUMNS], *(SAMPLE_ROWS if sample else [])]


def write_csv(rows, out):
    """CSV in UTF-8 with a byte-order mark, which Excel needs to show Chinese."""
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(safe_row(row) for row in rows)
    out.write(("\ufeff" + text.getvalue()).encode())


def write_xlsx(rows, out):
    from openpyxl import Workbook  # only for .xlsx reports; slow to import

    book = Workbook()
    sheet = book.active
    sheet.title = "12345"
    for row in rows:
        sheet.append(safe_row(row))
    for letter, width in zip("ABCDEFGHIJ", (22, 18, 24, 28, 44, 10, 14, 18, 10, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    book.save(out)
