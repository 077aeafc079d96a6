"""Severity signals: each threat, hint and amount is found with its evidence, and ordinary words
that contain a keyword raise no alarm."""

import pytest

from triage.signals import read_signals, severity_for


def names(text: str) -> dict[str, str]:
    return {s.name: s.evidence for s in read_signals(text)}


@pytest.mark.parametrize(("text", "name", "evidence"), [
    ("我已经打了12378投诉", "regulator", "12378"),
    ("再不处理就向金融监管总局和人民银行反映", "regulator", "金融监管总局"),
    ("已向人行征信中心投诉", "regulator", "人行"),
    ("I filed with the CFPB.", "regulator", "cfpb"),
    ("I will take this to the FOS", "regulator", "fos"),
    ("我要找媒体曝光", "media", "媒体"),
    ("I will go to the news.", "media", "news"),
    ("我已经请了律师", "litigation", "律师"),
    ("I will sue the bank", "litigation", "sue"),
    ("My attorneys are on it", "litigation", "attorneys"),
    ("I will see you in court", "litigation", "court"),
    ("不解决我就发到抖音上", "media", "发到抖音"),
    ("我母亲82岁，被推销了保险", "vulnerable", "82岁"),
    ("My father is an 82-year-old retiree", "vulnerable", "82-year-old"),
])
def test_each_threat_is_found_with_its_evidence(text: str, name: str, evidence: str) -> None:
    assert names(text).get(name) == evidence


@pytest.mark.parametrize("text", [
    "I have an issue with my statement, the issue is a fee.",  # "sue" inside "issue"
    "The bank renews my card every year.",  # "news" inside "renews"
    "The agent was courteous and explained the courtesy credit.",  # "court"
    "这只是柜员的个人行为，我走在人行道上接到电话。",  # 人行 inside longer words
    "他在法律师资培训班上课。",  # 律师 across 法律 and 师资
    "我上网查了一下账单。",  # going online is no media threat
    "卡号尾号 1123780 的扣款 2123630 元的单据",  # 12378 inside a longer number
    "我在抖音上看到这个理财广告，大家都知道的。",  # a platform named, no threat to post
    "银行应当照顾弱势群体。",  # 群体 in 弱势群体: no group complaint
    "客户今年45岁。",  # an age below 60 is no hint
])
def test_ordinary_words_raise_no_alarm(text: str) -> None:
    found = read_signals(text)
    assert not [s for s in found if s.name != "large_amount"], found
    assert severity_for([s for s in found if s.name != "large_amount"], False) == "normal"


def test_an_amount_in_ten_thousands_keeps_its_decimals() -> None:
    assert names("贷款被多扣了5.8万元")["large_amount"] == "58000.00"
    assert names("charged me $52,500.50 in fees")["large_amount"] == "52500.50"
    assert "large_amount" not in names("多收了4.9万")
