"""Classification codes: the bank's own stable codes mapped to the labels of JR/T 0169-2018
(REGULATION.md 1.4). The standard's numeric codes are not reproduced; these codes are ours."""

BUSINESS = {
    "B01": "人民币储蓄 RMB savings",
    "B02": "银行卡 Bank cards",
    "B03": "贷款 Loans",
    "B04": "支付结算 Payment and settlement",
    "B05": "个人金融信息 Personal financial information",
    "B06": "外汇 Foreign exchange",
    "B07": "贵金属 Precious metals",
    "B08": "国库 Treasury",
    "B09": "人民币管理 RMB cash management",
    "B10": "自营理财 Own-brand wealth management",
    "B11": "银行代理业务 Agency products",
    "B12": "其他中间业务 Other fee-based business",
    "B13": "债务催收 Debt collection",
    "B14": "其他 Other",
}
CAUSE = {
    "C01": "服务态度及服务质量 Service attitude and quality",
    "C02": "服务设施、设备、业务系统 Facilities, equipment, systems",
    "C03": "管理制度、业务规则与流程 Policies, rules, processes",
    "C04": "营销方式和手段 Marketing methods",
    "C05": "信息披露 Disclosure",
    "C06": "自主选择权 Freedom of choice",
    "C07": "定价收费 Pricing and fees",
    "C08": "产品收益 Product returns",
    "C09": "合同条款 Contract terms",
    "C10": "消费者资金安全 Safety of consumer funds",
    "C11": "消费者信息安全 Consumer data security",
    "C12": "债务催收方式和手段 Debt-collection methods",
}
CHANNEL = {
    "H01": "营业现场 Branch premises",
    "H02": "自助机具 Self-service machines",
    "H03": "网银渠道 Online banking",
    "H04": "电话渠道 Telephone",
    "H05": "移动客户端 Mobile app",
    "H06": "网络公众平台 Public online platforms",
    "H07": "短信渠道 SMS",
    "H08": "其他电子渠道 Other electronic",
    "H09": "第三方渠道 Third-party channel",
    "H10": "中、后台业务渠道 Middle and back office",
    "H11": "其他 Other",
}
DIMENSIONS: dict[str, dict[str, str]] = {
    "business": BUSINESS,
    "cause": CAUSE,
    "channel": CHANNEL,
}


def unknown_codes(codes: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message) for every dimension or code that is not in the installation's lists."""
    problems = []
    for dimension, code in codes.items():
        if dimension not in DIMENSIONS:
            known = ", ".join(DIMENSIONS)
            problems.append((f"codes.{dimension}",
                             f"未知维度，可选 {known} / unknown dimension; known: {known}"))
        elif code not in DIMENSIONS[dimension]:
            problems.append((f"codes.{dimension}", f"未知代码 {code!r} / unknown code {code!r}"))
    return problems
