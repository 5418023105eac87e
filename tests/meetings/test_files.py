"""Files on agenda items: recognised by their content, stored under random names, served
only to those who see the meeting, as downloads."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import agenda
from meetings.models import AgendaAttachment
from tests.meetings.helpers import plan, secretary
from tests.portal.helpers import jpeg_bytes, signed_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def attach(client, meeting, item, name, data, content_type="application/octet-stream"):
    upload = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(
        f"/staff/meetings/{meeting.pk}/items/{item.pk}/files/", {f"file-{item.pk}-file": upload}
    )


def test_pdfs_office_files_and_photos_are_kept_under_random_names(client, street):
    meeting = plan(street)
    item = agenda.add_topic(meeting, user=secretary(street), title="店招整治方案")
    signed_in(client, street, "secretary")
    assert attach(client, meeting, item, "../../etc/方案\x00.pdf", PDF).status_code == 302
    assert attach(client, meeting, item, "名单.docx", docx_bytes()).status_code == 302
    assert attach(client, meeting, item, "现场.png", jpeg_bytes(), "image/png").status_code == 302
    pdf, docx, photo = AgendaAttachment.objects.order_by("id")
    assert (pdf.name, pdf.content_type, pdf.size) == ("方案.pdf", "application/pdf", len(PDF))
    assert docx.name == "名单.docx" and docx.content_type.endswith("document")
    assert (photo.name, photo.content_type) == ("现场.jpg", "image/jpeg")
    for stored in (pdf, docx, photo):
        assert stored.file.name.startswith("meetings/") and "方案" not in stored.file.name
        assert len(stored.file.name.rsplit("/", 1)[1]) == 32 + 1 + len(stored.name.rsplit(".")[1])
    assert meeting.events.filter(kind="file_added").count() == 3


def test_other_files_are_refused_with_a_message(client, street):
    meeting = plan(street)
    item = agenda.add_topic(meeting, user=secretary(street), title="议题")
    signed_in(client, street, "secretary")
    response = attach(client, meeting, item, "setup.pdf.exe", b"MZ\x90\x00binary")
    assert response.status_code == 400
    assert "请上传照片、PDF" in response.content.decode()
    response = attach(client, meeting, item, "fake.docx", b"PK\x03\x04not really a zip")
    assert response.status_code == 400
    assert not AgendaAttachment.objects.exists()


def test_files_are_served_as_downloads_to_those_who_see_the_meeting(client, street):
    meeting = plan(street)
    item = agenda.add_topic(meeting, user=secretary(street), title="议题")
    signed_in(client, street, "secretary")
    attach(client, meeting, item, "方案.pdf", PDF)
    stored = AgendaAttachment.objects.get()
    path = f"/staff/meetings/{meeting.pk}/files/{stored.pk}/"
    signed_in(client, street, "hangtian")  # a member party
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    signed_in(client, street, "qinbei")
    assert client.get(path).status_code == 404
