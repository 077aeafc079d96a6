from django.db import models


class InboundChannel(models.TextChoices):
    EMAIL = "email", "邮件 Email"
    SMS = "sms", "短信 SMS"


class Outcome(models.TextChoices):
    CREATED = "created", "新投诉 New complaint"
    THREADED = "threaded", "追加到已有投诉 Added to a complaint"


class QuarantineStatus(models.TextChoices):
    HELD = "held", "待处理 Held"
    RELEASED = "released", "已重新导入 Released"
    DISMISSED = "dismissed", "已核销 Dismissed (kept)"


class LetterKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "受理回执 Acknowledgement"
    EXTENSION_NOTICE = "extension_notice", "延期告知 Extension notice"
    PAUSE_NOTICE = "pause_notice", "中止告知 Pause notice"
    DECISION_NOTICE = "decision_notice", "处理决定告知 Decision notice"
    REVIEW_DECISION = "review_decision", "复核决定告知 Review decision"


class LetterChannel(models.TextChoices):
    SMS = "sms", "短信 SMS"
    EMAIL = "email", "邮件 Email"
    POST = "post", "邮寄 Post"
    CALL = "call", "电话告知 Call"
    IN_PERSON = "in_person", "当面送达 In person"


# Letters that leave through the outbox get their proof from the gateway; the others carry the
# proof the member of staff records (post reference, call record, signed receipt).
OUTBOX_CHANNELS = frozenset({LetterChannel.SMS, LetterChannel.EMAIL})

# The pack a template is written for; "" serves every pack without its own template.
PACKS = [("", "通用 Any pack"), ("cn", "cn"), ("cn-emergency", "cn-emergency"),
         ("uk-fca", "uk-fca"), ("us-cfpb", "us-cfpb")]
