from django.db import models


class State(models.TextChoices):
    REGISTERED = "registered", "已登记 Registered"
    ACCEPTED = "accepted", "已受理 Accepted"
    DECLINED = "declined", "不予办理 Declined"
    ASSIGNED = "assigned", "已交办 Assigned"
    INVESTIGATING = "investigating", "处理中 Investigating"
    AWAITING_APPROVAL = "awaiting_approval", "方案待审批 Awaiting approval"
    RESPONDED = "responded", "已答复 Responded"
    FOLLOW_UP = "follow_up", "待回访 Follow-up"
    CLOSED = "closed", "已办结 Closed"
    REVIEWING = "reviewing", "复核中 Reviewing"
    REFERRED = "referred", "已转外部 Referred"
    WITHDRAWN = "withdrawn", "已撤诉 Withdrawn"
    MERGED = "merged", "已合并 Merged"


class Channel(models.TextChoices):
    PHONE = "phone", "电话 Phone"
    COUNTER = "counter", "柜面 Counter"
    LETTER = "letter", "信函 Letter"
    VISIT = "visit", "来访 Visit"
    EMAIL = "email", "邮件 Email"
    SMS = "sms", "短信 SMS"
    WEB = "web", "网银 Web"
    MOBILE = "mobile", "手机银行 Mobile"
    API = "api", "接口 API"
    REGULATOR = "regulator", "监管转办 Regulator"


class Source(models.TextChoices):
    DIRECT = "direct", "直接投诉 Direct"
    HEAD_OFFICE = "head_office", "总行转办 Head-office transfer"
    REGULATOR_NFRA = "regulator_nfra", "金融监管总局转办 NFRA transfer"
    REGULATOR_PBOC = "regulator_pboc", "人民银行转办 PBOC transfer"
    PETITION = "petition", "信访 Petition"
    MEDIA = "media", "媒体 Media"
    OTHER = "other", "其他 Other"


REGULATOR_SOURCES = frozenset({Source.REGULATOR_NFRA, Source.REGULATOR_PBOC})
# Where the complainants come in person (面谈): NFRA Order 2020 No. 3 Art. 29(2) counts them.
IN_PERSON_CHANNELS = frozenset({Channel.COUNTER, Channel.VISIT})


class Severity(models.TextChoices):
    NORMAL = "normal", "普通 Normal"
    COMPLEX = "complex", "复杂 Complex"
    MAJOR = "major", "重大 Major"


SEVERITY_RANK = {Severity.NORMAL: 0, Severity.COMPLEX: 1, Severity.MAJOR: 2}


class Validity(models.TextChoices):
    UNRULED = "", "未认定 Not ruled"
    VALID = "valid", "有效 Valid"
    INVALID = "invalid", "无效 Invalid"
    MALICIOUS = "malicious", "恶意 Malicious"


class Ruling(models.TextChoices):
    """What a validity ruling may say (Validity without "not ruled")."""

    VALID = "valid", "有效 Valid"
    INVALID = "invalid", "无效 Invalid"
    MALICIOUS = "malicious", "恶意 Malicious"


class Vulnerability(models.TextChoices):
    ELDERLY = "elderly", "老年人 Elderly"
    DISABLED = "disabled", "残障人士 Disabled"
    MINOR = "minor", "未成年人 Minor"
    LOW_INCOME = "low_income", "低收入 Low income"
    ILLNESS = "illness", "重病 Serious illness"
    LANGUAGE = "language", "语言障碍 Language barrier"


class Language(models.TextChoices):
    ZH = "zh-Hans", "简体中文"
    EN = "en", "English"


class DeclineReason(models.TextChoices):
    NO_STANDING = "no_standing", "无投诉主体资格 No standing"
    NOT_A_COMPLAINT = "not_a_complaint", "非投诉（咨询） A query, not a complaint"
    ALREADY_DECIDED = "already_decided", "已处理且无新事实 Already decided, no new facts"


class ContactKind(models.TextChoices):
    CALL = "call", "电话 Call"
    SMS = "sms", "短信 SMS"
    LETTER = "letter", "信函 Letter"
    EMAIL = "email", "邮件 Email"
    MEETING = "meeting", "面谈 Meeting"


class Decision(models.TextChoices):
    UPHELD = "upheld", "支持 Upheld"
    PARTIALLY_UPHELD = "partially_upheld", "部分支持 Partially upheld"
    REJECTED = "rejected", "不支持 Rejected"


class RemedyKind(models.TextChoices):
    EXPLANATION = "explanation", "解释说明 Explanation"
    APOLOGY = "apology", "致歉 Apology"
    CORRECTION = "correction", "更正 Correction"
    REFUND = "refund", "退款 Refund"
    COMPENSATION = "compensation", "补偿 Compensation"
    NONE = "none", "无 None"


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", "维持原决定 Original decision upheld"
    CHANGED = "changed", "变更原决定 Decision changed"


class ReferralKind(models.TextChoices):
    MEDIATION = "mediation", "调解 Mediation"
    REGULATOR = "regulator", "监管 Regulator"
    ARBITRATION = "arbitration", "仲裁 Arbitration"
    LITIGATION = "litigation", "诉讼 Litigation"


class PauseReason(models.TextChoices):
    APPRAISAL = "appraisal", "外部鉴定/检测/评估 External appraisal or testing"
    MEDIATION = "mediation", "调解 Mediation"
    CORRECTION = "correction", "等待补正 Awaiting the customer's correction"


# What the customer is told in English the time is paused for ("… is paused while …").
PAUSE_WHILE_EN: dict[str, str] = {
    PauseReason.APPRAISAL: "an external appraisal or test is carried out",
    PauseReason.MEDIATION: "the complaint is in mediation",
    PauseReason.CORRECTION: "we wait for the correction or the material we asked you for",
}
