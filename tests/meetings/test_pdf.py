"""The agenda and minutes as PDF downloads: A4, Chinese text in a CID font, only for those
who see the meeting."""

from urllib.parse import quote

from meetings import minutes
from tests.meetings.helpers import meeting_with_decided_case, secretary
from tests.portal.helpers import signed_in


def test_agenda_and_minutes_download_as_a4_pdfs(client, street):
    meeting, item, _decision = meeting_with_decided_case(street)
    minutes.write_minutes(item, user=secretary(street), text="各方同意联合整改")
    minutes.approve(meeting, user=secretary(street))
    signed_in(client, street, "hangtian")
    for kind, name in (("agenda", "议程"), ("minutes", "纪要")):
        response = client.get(f"/staff/meetings/{meeting.pk}/{kind}.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and quote(name) in disposition
        data = response.content
        assert data.startswith(b"%PDF-") and b"STSong-Light" in data
        assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4 in points
    signed_in(client, street, "qinbei")
    assert client.get(f"/staff/meetings/{meeting.pk}/minutes.pdf").status_code == 404
