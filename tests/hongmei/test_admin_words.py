"""The admin speaks Chinese throughout: the sign-in lockout (django-axes), the two-factor
devices (django-otp) and the column headers Django's own catalogue lacks (issue 16)."""

import re

import pytest
from axes.models import AccessAttempt, AccessLog


def text_of(response):
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_admin_index_names_every_app_and_table_in_chinese(client, street):
    client.force_login(street.users["admin"])
    page = text_of(client.get("/admin/"))
    chinese = ["登录锁定", "登录尝试", "登录日志", "身份验证器应用", "备用验证码组", "数据表"]
    english = ["Axes", "AXES", "Access attempts", "TOTP devices", "Static devices", "Model name"]
    assert [word for word in chinese if word not in page] == []
    assert [word for word in english if word in page] == []


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/admin/axes/accessattempt/", ["尝试时间", "IP 地址", "浏览器标识", "用户名", "路径"]),
        ("/admin/axes/accesslog/", ["尝试时间", "退出时间", "IP 地址", "用户名", "浏览器标识"]),
    ],
)
def test_the_lockout_tables_have_chinese_column_headers(client, street, url, headers):
    seen = {"username": "dispatcher", "ip_address": "127.0.0.1", "user_agent": "test"}
    AccessAttempt.objects.create(**seen, failures_since_start=1, get_data="", post_data="")
    AccessLog.objects.create(**seen)
    client.force_login(street.users["admin"])
    page = client.get(url).content.decode()
    head = re.search(r'<table id="result_list">.*?</thead>', page, re.S).group(0)
    shown = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th.*?</th>", head, re.S)]
    assert [h for h in shown if h][: len(headers)] == headers
