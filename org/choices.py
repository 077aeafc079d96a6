from django.db import models


class UnitKind(models.TextChoices):
    HEAD_OFFICE = "head_office", "总行 Head office"
    BRANCH = "branch", "分行 Branch"
    SUB_BRANCH = "sub_branch", "支行 Sub-branch"
    DEPARTMENT = "department", "部门 Department"


class Role(models.TextChoices):
    INTAKE_AGENT = "intake_agent", "受理坐席 Intake agent"
    HANDLER = "handler", "投诉处理人 Handler"
    MANAGER = "manager", "投诉管理岗 Complaint manager"
    CONSUMER_PROTECTION = "consumer_protection", "消保专员 Consumer-protection officer"
    AUDITOR = "auditor", "内控合规 Auditor"
    ADMINISTRATOR = "administrator", "系统管理员 Administrator"


class Assignment(models.TextChoices):
    MANUAL = "manual", "人工分派 Manual"
    LEAST_OPEN = "least_open", "在办最少 Least open work"
    ROUND_ROBIN = "round_robin", "轮流 Round robin"


class ReleaseReason(models.TextChoices):
    """Why a handler's work orders went back to the unit's queue (`release_handler` events)."""

    HANDLER_DEACTIVATED = "handler_deactivated", "处理人已停用 Handler deactivated"
    HANDLER_ROLE_REMOVED = ("handler_role_removed",
                            "处理人已不在本机构任职 Handler no longer on the unit")


class StaffEvent(models.TextChoices):
    MAJOR = "major", "重大投诉 Major complaint"
    WORK_ORDER = "work_order", "工单 Work order"
    TRANSFER = "transfer", "转办 Transfer"
    UNCLAIMED = "unclaimed", "工单超时未认领 Unclaimed work order"
    ESCALATION = "escalation", "升级 Escalation"
    WARNING = "warning", "时限预警 Deadline warning"
    BREACH = "breach", "超时 Deadline breach"
    BULLETIN = "bulletin", "每日工单通报 Daily bulletin"


class StaffChannel(models.TextChoices):
    IN_APP = "in_app", "站内 In-app"
    EMAIL = "email", "邮件 Email"
    WECOM = "wecom", "企业微信群机器人 WeCom robot"
    DINGTALK = "dingtalk", "钉钉群机器人 DingTalk robot"
    SLACK = "slack", "Slack webhook"
    TEAMS = "teams", "Teams webhook"
