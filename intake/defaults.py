"""The default wording of the customer letters (loaded by a data migration, then edited by the
bank in the admin). Each row: kind, language, pack ("" = any), subject, body."""

REMEDIES_ZH = (
    "如您对本处理决定有异议，可以自收到本决定之日起30日内向我行申请核查（复核）；"
    "也可以向依法设立的调解组织申请调解，依据仲裁协议申请仲裁，或者向人民法院提起诉讼。"
)
REMEDIES_EN = (
    "If you disagree with this decision, you may ask us to review it within 30 days of "
    "receiving it. You may also apply for mediation to a lawfully established mediation body, "
    "go to arbitration under an arbitration agreement, or bring a claim in the people's court."
)
PAUSE_EN = (
    "Dear {{ customer_name }}, the time limit for complaint {{ number }} is paused while "
    "{{ pause_reason }}; this time does not count against the limit. We will tell you as soon "
    "as we resume."
)
# A changed decision is stated in full: the new decision, remedy and amount.
REVIEW_ZH = (
    "{{ customer_name }}：您对投诉{{ number }}处理决定提出的核查（复核）申请，结论为："
    "{{ review_outcome }}。{% if decision %}变更后的处理决定：{{ decision }}{% if remedy %}，"
    "处理措施：{{ remedy }}{% if amount %}，金额人民币{{ amount }}元{% endif %}{% endif %}。"
    "{% endif %}理由：{{ review_reasons }}\n如仍有异议，您可以向依法设立的调解组织申请调解，"
    "依据仲裁协议申请仲裁，或者向人民法院提起诉讼。"
)
REVIEW_EN = (
    "Dear {{ customer_name }}, we have reviewed our decision on complaint {{ number }}: "
    "{{ review_outcome }}.{% if decision %} Our decision is now: {{ decision }}{% if remedy %}; "
    "what we will do: {{ remedy }}{% if amount %} ({{ amount }}){% endif %}{% endif %}."
    "{% endif %} Reasons: {{ review_reasons }}\nIf you still disagree, you may apply for "
    "mediation, go to arbitration under an arbitration agreement, or bring a claim in court."
)
# DISP 1.6.2R and DISP 1 Annex 3R (the firm does not consent to time limits being waived).
FOS_EN = (
    "If you are not satisfied with this final response, you have the right to refer your "
    "complaint to the Financial Ombudsman Service, free of charge - but you must do so within "
    "six months of the date of this letter. If you do not refer your complaint in time, the "
    "Ombudsman will not have our permission to consider your complaint and so will only be able "
    "to do so in very limited circumstances. For example, if the Ombudsman believes that the "
    "delay was as a result of exceptional circumstances.\n"
    "Financial Ombudsman Service, Exchange Tower, London E14 9SR; telephone 0800 023 4567; "
    "www.financial-ombudsman.org.uk. We enclose the Financial Ombudsman Service's leaflet "
    "explaining its service."
)
FOS_ZH = (
    "如您对本最终答复不满意，您有权将投诉免费提交金融申诉专员服务机构（Financial Ombudsman "
    "Service），但必须在本函日期起六个月内提交。逾期提交的，申诉专员未经我行同意不得受理，仅在"
    "极为有限的情形下（例如其认为延误系特殊情况所致）方可受理。\n"
    "Financial Ombudsman Service, Exchange Tower, London E14 9SR；电话 0800 023 4567；"
    "www.financial-ombudsman.org.uk。随函附上该机构的服务说明。\n\n" + FOS_EN
)

TEMPLATES = [
    ("acknowledgement", "zh-Hans", "", "投诉受理回执 {{ number }}",
     "{{ customer_name }}：您的投诉已登记，编号{{ number }}（收到日期{{ received_date }}）。"
     "我们将于{{ due_date }}前作出处理决定并告知您。查询进度请提供投诉编号。"),
    ("acknowledgement", "en", "", "Complaint {{ number }} received",
     "Dear {{ customer_name }}, your complaint has been registered as {{ number }} "
     "(received {{ received_date }}). We will give you our decision by {{ due_date }}. "
     "Please quote this number when you contact us."),
    ("acknowledgement", "en", "uk-fca", "Complaint {{ number }} received",
     "Dear {{ customer_name }}, thank you for your complaint, which we received on "
     "{{ received_date }} and have registered as {{ number }}. We will send you our final "
     "response by {{ due_date }}, within eight weeks of receiving your complaint. If we have not "
     "done so by then, or you are unhappy with our final response, you may be able to refer "
     "your complaint to the Financial Ombudsman Service (www.financial-ombudsman.org.uk)."),
    ("extension_notice", "zh-Hans", "", "投诉处理期限延长告知 {{ number }}",
     "{{ customer_name }}：因{{ extension_reason }}，您的投诉{{ number }}处理期限延长至"
     "{{ due_date }}。我们将在此之前作出处理决定并告知您。"),
    ("extension_notice", "en", "", "More time needed on complaint {{ number }}",
     "Dear {{ customer_name }}, we need more time on complaint {{ number }} "
     "({{ extension_reason }}). We will give you our decision by {{ due_date }}."),
    ("pause_notice", "zh-Hans", "", "投诉处理期限中止告知 {{ number }}",
     "{{ customer_name }}：您的投诉{{ number }}因{{ pause_reason }}，相关期间不计入处理期限。"
     "该情形消除后我们将恢复处理并及时告知您进展。"),
    ("pause_notice", "en", "", "Complaint {{ number }}: time limit paused",
     PAUSE_EN),
    ("decision_notice", "zh-Hans", "", "投诉处理决定告知书 {{ number }}",
     "{{ customer_name }}：\n关于您于{{ received_date }}提出的投诉（编号{{ number }}），"
     "我行处理决定如下：{{ decision }}。\n"
     "一、核实情况：{{ verification }}\n二、处理依据：{{ basis }}\n三、处理理由：{{ reasons }}\n"
     "{% if remedy %}四、处理措施：{{ remedy }}{% if amount %}，金额人民币{{ amount }}元"
     "{% endif %}。\n{% endif %}" + REMEDIES_ZH),
    ("decision_notice", "en", "", "Decision on complaint {{ number }}",
     "Dear {{ customer_name }},\nDecision on your complaint {{ number }} of {{ received_date }}: "
     "{{ decision }}.\nHow we checked: {{ verification }}\nBasis: {{ basis }}\n"
     "Reasons: {{ reasons }}\n{% if remedy %}What we will do: {{ remedy }}{% if amount %} "
     "({{ amount }}){% endif %}.\n{% endif %}" + REMEDIES_EN),
    ("decision_notice", "en", "uk-fca", "Final response to complaint {{ number }}",
     "Dear {{ customer_name }},\nThis is our final response to your complaint {{ number }}, "
     "received on {{ received_date }}. Our decision: {{ decision }}.\n"
     "How we investigated: {{ verification }}\nBasis: {{ basis }}\nReasons: {{ reasons }}\n"
     "{% if remedy %}Redress: {{ remedy }}{% if amount %} ({{ amount }}){% endif %}.\n"
     "{% endif %}" + FOS_EN),
    ("decision_notice", "zh-Hans", "uk-fca", "投诉最终答复 {{ number }}",
     "{{ customer_name }}：\n这是我们对您于{{ received_date }}提出的投诉（编号{{ number }}）的最终"
     "答复。处理决定：{{ decision }}。\n核实情况：{{ verification }}\n处理依据：{{ basis }}\n"
     "处理理由：{{ reasons }}\n{% if remedy %}补救措施：{{ remedy }}{% if amount %}"
     "（金额{{ amount }}）{% endif %}。\n{% endif %}" + FOS_ZH),
    ("review_decision", "zh-Hans", "", "投诉核查（复核）结论告知书 {{ number }}", REVIEW_ZH),
    ("review_decision", "en", "", "Review of complaint {{ number }}", REVIEW_EN),
]


def ensure_defaults(model: type) -> int:
    """Create the default templates that are missing; returns how many were created."""
    created = 0
    for kind, language, pack, subject, body in TEMPLATES:
        _, new = model.objects.get_or_create(  # type: ignore[attr-defined]
            kind=kind, language=language, pack=pack, defaults={"subject": subject, "body": body})
        created += int(new)
    return created
