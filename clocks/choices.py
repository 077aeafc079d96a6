from django.db import models


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "进行中 Open"
    MET = "met", "已按时完成 Met"
    BREACHED = "breached", "已超时 Breached"
    PAUSED = "paused", "已暂停 Paused"
    CANCELLED = "cancelled", "已取消 Cancelled"
    # A window (the customer's time to ask for a review or go to the ombudsman) that ran out
    # unused: nobody breached anything, so it is neither `breached` nor `met`.
    EXPIRED = "expired", "已届满 Expired"


class DeadlineKind(models.TextChoices):
    DUTY = "duty", "义务 Duty"  # the bank must act by the due time; warned, breached, escalated
    WINDOW = "window", "期间 Window"  # the customer may act until the due time; it just expires


class Obligation(models.TextChoices):
    """Every obligation name the packs use (the API carries the name; these are the labels)."""

    DECISION = "decision", "处理决定 Decision"
    REVIEW_REQUEST_WINDOW = "review_request_window", "复核申请期 Review request window"
    REVIEW_DECISION = "review_decision", "复核决定 Review decision"
    ACCEPTANCE = "acceptance", "受理 Acceptance"
    DISPATCH = "dispatch", "交办 Dispatch"
    FIRST_CONTACT = "first_contact", "首次联系客户 First contact"
    SUMMARY_RESOLUTION = "summary_resolution", "三个工作日内解决 Summary resolution"
    FINAL_RESPONSE = "final_response", "最终答复（8周） Final response (8 weeks)"
    FINAL_RESPONSE_PAYMENT_SERVICES = (
        "final_response_payment_services", "支付服务最终答复 Final response (payment services)")
    FOS_REFERRAL_WINDOW = "fos_referral_window", "FOS申诉期 FOS referral window"
    CFPB_INITIAL_RESPONSE = "cfpb_initial_response", "CFPB初次答复 CFPB initial response"
    CFPB_FINAL_RESPONSE = "cfpb_final_response", "CFPB最终答复 CFPB final response"
    REG_E_INVESTIGATION = "reg_e_investigation", "Reg E调查 Reg E investigation"
    REG_Z_ACKNOWLEDGEMENT = "reg_z_acknowledgement", "Reg Z确认 Reg Z acknowledgement"
    REG_Z_RESOLUTION = "reg_z_resolution", "Reg Z解决 Reg Z resolution"
    # Set by the regulator on its transfer (not by a pack); met by the decision.
    REGULATOR_DUE = "regulator_due", "监管要求反馈期限 Regulator's deadline"


class ClockFlag(models.TextChoices):
    """Facts about a complaint that add or change clocks. Given at registration (`clock_flags`),
    kept among the complaint's tags."""

    PAYMENT_SERVICES = "payment_services", "支付服务/电子货币投诉 UK PSD/EMD complaint"
    REG_E = "reg_e", "Reg E电子转账差错 Reg E error notice"
    REG_E_NEW_ACCOUNT = "reg_e_new_account", "Reg E新开账户 Reg E new account"
    REG_E_POS_OR_FOREIGN = "reg_e_pos_or_foreign", "Reg E POS或境外 Reg E POS or foreign-initiated"
    REG_Z = "reg_z", "Reg Z账单差错 Reg Z billing error"


class ExtensionCondition(models.TextChoices):
    """What whoever extends a clock may state, where the pack makes an extension depend on it."""

    PROVISIONAL_CREDIT = "provisional_credit", "已临时入账 Provisional credit given"


class ClockCalendar(models.TextChoices):
    CN = "cn", "中国（含调休） China"
    UK_EAW = "uk-eaw", "England and Wales"
    US = "us", "US federal"


class BankDayKind(models.TextChoices):
    """What the bank declares of a day in a calendar (ClosureDay.kind)."""

    CLOSED = "closed", "停业 Closed"
    OPEN = "open", "营业 Open"  # on a listed holiday; only where business days are open days
