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
