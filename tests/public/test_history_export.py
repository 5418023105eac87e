"""The reporter's copy of a case's verifiable history (/t/<token>/history.json)."""

import json

from cases.models import Follower, Reporter, State
from tests.factories import act, aware, case_in

MONDAY = aware(2026, 11, 23, 9, 0)


def test_the_reporter_and_a_follower_get_what_the_tracking_page_shows(client, street):
    case = case_in(street, State.IN_PROGRESS, at=MONDAY)
    act(street, case, "note", "hangtian", note="内部：反映人是楼上邻居", at=MONDAY)
    follower = Follower.objects.create(case=case, reporter=Reporter.objects.create())
    for token in (case.token, follower.token):
        response = client.get(f"/t/{token}/history.json")
        assert response.status_code == 200
        text = response.content.decode()
        assert "楼上邻居" not in text and "13800138000" not in text
        history = json.loads(text)
        assert history["audience"] == "reporter"
        assert all("data" not in e and "report_share" not in text for e in history["events"])
        assert "永兆" not in text  # the co-party (the tracking page does not name it)
        assert [e.get("kind") for e in history["events"]] == ["file", "dispatch", "accept", None]
    assert client.get(f"/t/{case.token}/history/").status_code == 200


def test_an_unknown_token_finds_nothing(client, street):
    assert client.get("/t/" + "x" * 32 + "/history.json").status_code == 404
    assert client.get("/t/bad/history/").status_code == 404
