"""What staff write in the demo (notes, decisions, reasons), in the customer's language."""

from typing import Final

PHRASES: Final[dict[str, tuple[str, str]]] = {
    "accept": ("材料齐全，予以受理。", "Complaint accepted; the details are complete."),
    "first_contact": (
        "首次联系客户，确认投诉事项和诉求，告知处理时限。",
        "First call with the customer: confirmed the issue and what they ask for, and explained "
        "the timeline.",
    ),
    "sms_update": ("短信告知客户目前处理进度。", "Texted the customer an update on progress."),
    "note": (
        "已调取业务系统记录和通话录音，正在核对。",
        "Pulled the account history and call recordings; checking them against the complaint.",
    ),
    "evidence_name": ("客户提供的交易凭证说明.txt", "customer-statement-extract.txt"),
    "evidence_text": (
        "客户提交的交易流水与扣费说明（演示材料）。",
        "Transaction history and fee breakdown supplied by the customer (demo material).",
    ),
    "evidence_description": ("客户补充材料", "Supporting document from the customer"),
    "visit_place": ("客户住所（已电话预约）", "Customer's home (appointment agreed by phone)"),
    "visit_outcome": (
        "上门核实：与客户面谈，核对了原始凭证，客户情绪平稳。",
        "Home visit: met the customer and checked the original documents; the customer was calm.",
    ),
    "escalate": (
        "客户情绪激动，表示将向监管部门反映，升级处理。",
        "The customer is very upset and says they will go to the regulator; escalating.",
    ),
    "extend": (
        "需调取第三方机构材料，案情复杂",
        "We need records from a third party and the case is complex",
    ),
    "extend_again": (
        "外部机构尚未回复，需继续核查",
        "The third party has not yet replied and checks continue",
    ),
    "pause_appraisal": (
        "交易争议需送外部机构鉴定，鉴定期间不计入处理时限。",
        "The disputed transaction has been sent for external examination; that time does not "
        "count towards the deadline.",
    ),
    "pause_correction": (
        "请客户补正身份证明和交易凭证，补正期间暂停计时。",
        "We asked the customer for proof of identity and the transaction receipts; the clock "
        "is paused until they arrive.",
    ),
    "resume": ("材料已收到，恢复计时。", "The material has arrived; the clock runs again."),
    "verification": (
        "调取了业务系统记录、通话录音和合同文本，并与客户电话核实。",
        "We reviewed the account records, call recordings and the contract, and spoke with the "
        "customer.",
    ),
    "basis": (
        "《银行保险机构消费投诉处理管理办法》及双方合同约定。",
        "The account terms and conditions and the applicable complaint-handling rules.",
    ),
    "reasons_upheld": (
        "经核实，客户反映情况属实，我行予以纠正并致歉。",
        "Our checks confirm what the customer told us; we have put it right and apologise.",
    ),
    "reasons_partial": (
        "经核实，部分费用收取依据不足，予以退还；其余按合同约定执行。",
        "Part of the charges had no sound basis and is refunded; the rest follows the contract.",
    ),
    "reasons_rejected": (
        "经核实，相关业务办理符合合同约定和监管规定，已向客户详细解释。",
        "Our checks show the account was handled under the contract and the rules; we have "
        "explained this in detail.",
    ),
    "approve": ("同意处理方案。", "Resolution approved."),
    "return": (
        "补偿金额依据不足，请补充核实后重新提出方案",
        "The compensation amount is not supported yet; please check further and propose again",
    ),
    "follow_up": ("安排回访。", "Follow-up call scheduled."),
    "satisfied": ("客户对处理结果表示满意。", "The customer is satisfied with the outcome."),
    "unsatisfied": (
        "客户对处理结果不满意，要求重新处理。",
        "The customer is not satisfied and asks us to look again.",
    ),
    "request_review": (
        "客户对处理决定不服，申请复核",
        "The customer disagrees with the decision and asks for a review",
    ),
    "review_upheld": (
        "复核认为原处理决定事实清楚、依据充分，予以维持。",
        "The review finds the original decision well founded; it stands.",
    ),
    "review_changed": (
        "复核认为原决定补偿不足，变更为全额退还。",
        "The review finds the remedy insufficient; we now refund in full.",
    ),
    "reopen": (
        "客户提供了新的事实和证据，重新处理",
        "The customer brought new facts and evidence; reopening",
    ),
    "withdraw": (
        "客户表示问题已自行解决，撤回投诉",
        "The customer says the matter is settled and withdraws the complaint",
    ),
    "decline_no_standing": (
        "投诉人非账户持有人，且未提供授权委托材料",
        "The complainant is not the account holder and gave no authority to act",
    ),
    "decline_query": (
        "客户来电为业务咨询，已当场解答",
        "The customer had a question, answered on the call; not a complaint",
    ),
    "decline_decided": (
        "同一事项已于上月处理完毕，本次无新的事实和理由",
        "The same matter was decided last month and no new facts were given",
    ),
    "referral_mediation_body": ("银行业纠纷调解中心", "Banking dispute mediation centre"),
    "referral_litigation_body": ("人民法院", "People's Court"),
    "referral_regulator_body": ("国家金融监督管理总局派出机构", "NFRA local office"),
    "referral_outcome": (
        "经调解，双方达成和解协议，客户撤回诉求。",
        "Mediation ended in a settlement; the customer's claim is resolved.",
    ),
}

CLAIM_ZH: Final[dict[str, str]] = {
    "C12": "要求停止不当催收行为，核实催收人员身份并赔礼道歉。",
    "C09": "要求解释合同条款，按约定重新核算并出具结清证明。",
    "C07": "要求退还不合理收取的费用和利息。",
    "C01": "要求改进服务态度并尽快给予答复。",
    "C04": "要求停止营销骚扰并如实说明产品情况。",
    "": "要求核实情况并给予书面答复。",
}

CLAIM_EN: Final[tuple[tuple[str, str], ...]] = (
    ("credit report", "Correct my credit report and remove the inaccurate information."),
    ("debt collection", "Stop the collection calls and validate the debt."),
    ("mortgage", "Review my mortgage account and correct the errors."),
    ("student loan", "Fix the servicing errors on my student loan."),
    ("credit card", "Reverse the charges and correct my card account."),
    ("checking or savings", "Return the fees and restore my account."),
    ("", "Investigate and give me a written response."),
)


def say(key: str, language: str) -> str:
    zh, en = PHRASES[key]
    return en if language == "en" else zh


def claim_for(language: str, cause: str, product: str) -> str:
    if language != "en":
        return CLAIM_ZH.get(cause, CLAIM_ZH[""])
    lowered = product.lower()
    return next(text for needle, text in CLAIM_EN if needle in lowered)
