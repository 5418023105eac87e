"""One concept, one word (../shared/glossary.md): no Chinese translation uses a wording the
glossary lists under "not" for a concept.

The variants are written out here from the glossary, not read from it, so that a
catalogue edit and a glossary edit each have to be made on purpose. A variant may stand in
a translation only where its English source quotes it (a column of the 12345 hotline's
file, such as 办结时限, keeps its own name).
"""

import re
from pathlib import Path

import polib
import pytest

CATALOG = Path(__file__).resolve().parent.parent / "locale/zh_Hans/LC_MESSAGES/django.po"

# concept → the wordings the glossary rules out for it (regular expressions).
NOT_PREFERRED = {
    "a person who reports (反映人 / 您)": [r"报告人", r"投诉人"],
    "dispatcher (派遣员)": [r"调度员"],
    "grid inspector (监督员)": [r"巡查员"],
    "handler (处置人员)": [r"承办员"],
    "lead party (主办单位)": [r"主责单位", r"牵头单位", r"牵头处置", r"牵头"],
    "co-party (协办单位)": [r"配合单位"],
    # A monthly report (月度报告) is a document, not what a resident sends.
    "what a resident sends, to send one (反映 / 上报)": [r"(?<!月度)报告", r"投诉"],
    # 不予立案 is the rejection; 立案 is never the filing.
    "filing (上报 / 反映)": [r"已报告", r"(?<!不予)立案"],
    "reject (不予立案)": [r"驳回"],
    "dispatch (派遣; 派遣规则)": [r"派单"],
    "accept (签收)": [r"接单"],
    "reassign (改派)": [r"重新分配"],
    "rework (返工)": [r"重做"],
    # 办结 is the closure as residents hear it (已办结), never the handler's step.
    "resolve (反馈处置结果) and closure (核查结案 / 已办结)": [r"(?<!已)办结"],
    "reopen (重办 / 申请重办 / 已重新办理)": [
        r"重新打开",
        r"重新启动",
        r"申请重新处理",
        r"已重新处理",
    ],
}


def translations():
    po = polib.pofile(str(CATALOG))
    for entry in po:
        if entry.obsolete:
            continue
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        yield entry.msgid, [t for t in texts if t]


def offending(variants):
    found = []
    for msgid, texts in translations():
        for variant in variants:
            if re.search(variant, msgid):
                continue  # the source quotes the word itself
            found += [(msgid, text) for text in texts if re.search(variant, text)]
    return found


@pytest.mark.parametrize("concept", NOT_PREFERRED)
def test_no_translation_words_a_concept_the_glossary_rules_out(concept):
    assert offending(NOT_PREFERRED[concept]) == []


def test_the_check_finds_a_ruled_out_wording():
    reopen = NOT_PREFERRED["reopen (重办 / 申请重办 / 已重新办理)"][0]
    resolve = NOT_PREFERRED["resolve (反馈处置结果) and closure (核查结案 / 已办结)"][0]
    assert re.search(reopen, "案件已重新打开")
    assert re.search(resolve, "已完成：办结。") and not re.search(resolve, "已办结")
