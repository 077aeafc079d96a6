"""Bilingual error messages. Validation errors are worded by their type, in the language the
client asked for (Accept-Language; the installation's default is Chinese)."""

import re
from typing import Any

from django.utils import translation

# pydantic error type -> Chinese wording; {placeholders} come from the error's context.
ZH_BY_TYPE = {
    "missing": "必填字段",
    "extra_forbidden": "不允许的字段",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "string_type": "应为文本",
    "too_long": "最多 {max_length} 项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "decimal_parsing": "应为数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "int_parsing_size": "数值超出范围",
    "datetime_type": "不是有效的时间（ISO 8601）",
    "date_type": "不是有效的日期，例如 2026-03-05",
    "timezone_aware": "时间必须带时区，例如 2026-11-22T10:00:00+08:00",
    "datetime_parsing": "不是有效的时间（ISO 8601）",
    "datetime_from_date_parsing": "不是有效的时间（ISO 8601）",
    "date_parsing": "不是有效的日期，例如 2026-03-05",
    "date_from_datetime_parsing": "不是有效的日期，例如 2026-03-05",
    "date_from_datetime_inexact": "不是有效的日期，例如 2026-03-05",
    "dict_type": "应为对象",
    "list_type": "应为数组",
    "model_type": "应为对象",
    "json_invalid": "不是有效的 JSON",
}
# Our own error codes -> the Chinese detail shown beside the English one.
ZH_BY_CODE = {
    "invalid": "请求中有无效字段",
    "invalid_json": "请求体不是有效的 JSON",
    "unsupported_media_type": "请以 application/json 发送",
    "too_large": "请求过大",
    "unauthenticated": "需要身份认证：请使用有效的 API 密钥或登录",
    "forbidden": "无权执行此操作",
    "csrf_failed": "CSRF 校验失败",
    "http_error": "请求无法处理",
    "not_found": "未找到",
    "method_not_allowed": "此路径不支持该请求方法",
    "stale_version": "投诉已被他人修改，请刷新后重试",
    "not_allowed": "当前状态不允许此操作",
    "idempotency_mismatch": "同一 Idempotency-Key 已用于不同的请求内容",
    "unavailable": "服务暂时不可用，请稍后重试",
    "server_error": "服务器内部错误",
}

_CJK = re.compile(r"[\u3400-\u9fff]")


def chinese() -> bool:
    return (translation.get_language() or "zh-hans").lower().startswith("zh")


def _zh_choices(expected: Any) -> str:
    """pydantic's "'a', 'b' or 'c'" as a Chinese list: "'a'、'b'、'c'"."""
    return "、".join(re.split(r", | or ", str(expected)))


def validation_message(error: dict[str, Any]) -> str:
    english = str(error.get("msg", "invalid"))
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":  # our validators raise "中文 / English": no "Value error, " prefix
        reason = str(ctx.get("error", english))
        return reason if _CJK.search(reason) or not chinese() else f"无效：{reason}"
    if not chinese():
        return english
    template = ZH_BY_TYPE.get(kind)
    if template is None:  # a type not worded yet: never English alone
        return f"无效：{english}"
    if "expected" in ctx:
        ctx["expected"] = _zh_choices(ctx["expected"])
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def detail(code: str, message: str) -> str:
    """The error's detail in the client's language, always with the English beside Chinese.
    A message written bilingual where it is raised ("中文 / English") is kept as it is; an
    English one gets its code's Chinese wording in front."""
    if _CJK.search(message):
        return message
    zh = ZH_BY_CODE.get(code)
    return f"{zh} / {message}" if zh and chinese() else message
