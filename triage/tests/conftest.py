"""Triage tests start from no model and empty in-process indexes (the root conftest's
`_fresh_triage`); `tiny_model` is a model trained in a second from a few hand-written complaints
(no data directory needed)."""

from typing import Any

import pytest

from triage import engine
from triage.training import HeadData, train

EN = [
    ("My mortgage servicer lost my escrow payment and started foreclosure on my home.",
     "Mortgage"),
    ("The mortgage company refused my loan modification and the house payment went up.",
     "Mortgage"),
    ("Escrow account shortage on my home loan, the servicer never explained the mortgage.",
     "Mortgage"),
    ("A debt collector keeps calling me about a debt I do not owe and threatens to sue.",
     "Debt collection"),
    ("The collection agency called my work about a debt that is not mine.", "Debt collection"),
    ("Collector refused to validate the debt and keeps calling my family.", "Debt collection"),
    ("My credit card was charged an annual fee I never agreed to on the card statement.",
     "Credit card"),
    ("The credit card company raised my card interest rate and the card limit was cut.",
     "Credit card"),
    ("A purchase on my credit card statement was never made by me, card dispute denied.",
     "Credit card"),
]
ZH = [
    ("催收人员每天打电话骚扰我的家人和同事，态度恶劣，威胁上门。", "0"),
    ("催收电话不断，爆通讯录，暴力催收让我无法正常生活。", "0"),
    ("第三方催收冒充律师威胁起诉，频繁催收骚扰。", "0"),
    ("信用卡年费未经同意被扣收，收费不合理，要求退还费用。", "3"),
    ("贷款利息和手续费远超约定，收费过高，要求退还多收的利息。", "3"),
    ("分期手续费太高，违规收费，要求退费。", "3"),
    ("客服电话一直打不通，客服态度差，问题没人处理。", "4"),
    ("客服推诿敷衍，多次投诉无人回复，服务态度恶劣。", "4"),
    ("在线客服答非所问，服务质量差，等待很久。", "4"),
]


def tiny() -> engine.TriageModel:
    model = train([
        HeadData("cfpb_product", "en", [t for t, _ in EN], [label for _, label in EN]),
        HeadData("zh_cause", "zh", [t for t, _ in ZH], [label for _, label in ZH]),
    ])
    model.version = "test-tiny"
    return model


@pytest.fixture(scope="session")
def tiny_trained() -> engine.TriageModel:
    return tiny()


@pytest.fixture
def tiny_model(tiny_trained: engine.TriageModel) -> Any:
    engine.use(tiny_trained)
    return tiny_trained
