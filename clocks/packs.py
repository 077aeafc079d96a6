"""Rule packs: each regime's obligations as data. The engine (clocks/rules.py) knows how to count
days; which obligations exist, their numbers, day types, extensions and pauses live only here.

An obligation:
- `start`: what starts its clock — `receipt` (registration), `decision` (the decision notice is
  sent) or `review_request`.
- `count` and `day_type`: `calendar` days (the day of the start not counted: Civil Code Art. 201
  and the general rule elsewhere), `business` days (the count-th business day after the day of
  the start), `weeks` or `months`. A count of 0 calendar days is the day of the start itself.
- `roll`: a last day that is a statutory rest day moves to the next working day (Art. 203).
- `ends_at`: local time the last day ends (default the end of the day).
- `kind`: a `duty` of the bank (warned, breached, escalated) or a `window` of the customer.
- `met_by`: what fulfils it — `decision`, `review_request`, `review_decision`, or a lifecycle
  action name (`accept`, `assign`, `contact`).
- `when` / `unless`: clock flags of the complaint (clocks.choices.ClockFlag) it needs / excludes.
- `pausable`, `restarts_on_new_facts`, `extensions` (steps: `to` a total count, optionally in
  another `day_type`, needing a `senior` approver, stated `requires` conditions, or flags `when`).
- `verified`: false where REGULATION.md marks the number [M]; such numbers (and only those) can
  be overridden per installation with TOUSU_RULE_OVERRIDES (JSON: {"pack": {"obligation":
  {"count": 60}}}; the keys in OVERRIDABLE).
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clocks.choices import ClockCalendar, ClockFlag, DeadlineKind, ExtensionCondition

DAY_TYPES = frozenset({"calendar", "business", "weeks", "months"})
STARTS = frozenset({"receipt", "decision", "review_request"})
END_OF_DAY = dt.time(23, 59, 59)
# What TOUSU_RULE_OVERRIDES may change of an unverified obligation: its numbers, not what it is.
OVERRIDABLE = frozenset({"count", "day_type", "roll", "ends_at", "extensions", "cite"})

_CN_REVIEW = [
    {"name": "review_request_window", "start": "decision", "count": 30, "day_type": "calendar",
     "roll": True, "kind": "window", "met_by": ["review_request"],
     "cite": "NFRA Order 2020 No. 3 Art. 20 (30 days from receiving the decision)"},
    {"name": "review_decision", "start": "review_request", "count": 30, "day_type": "calendar",
     "roll": True, "met_by": ["review_decision"],
     "cite": "NFRA Order 2020 No. 3 Art. 20 (decided and notified within 30 days)"},
]

PACK_DATA: dict[str, dict[str, Any]] = {
    "cn": {
        "title": "China: NFRA Order 2020 No. 3, PBOC Order 2020 No. 5",
        "zone": "Asia/Shanghai", "calendar": "cn",
        # Art. 18 ¶2 appraisal/testing/valuation, Art. 23 mediation, PBOC Art. 43 补正.
        "pause_reasons": ["appraisal", "mediation", "correction"],
        "obligations": [
            {"name": "decision", "start": "receipt", "count": 15, "day_type": "calendar",
             "roll": True, "met_by": ["decision"], "headline": True, "pausable": True,
             "restarts_on_new_facts": True,
             "extensions": [{"to": 30}, {"to": 60, "senior": True}],
             "cite": "NFRA Order 2020 No. 3 Arts. 18, 43; Civil Code Arts. 201, 203; "
                     "PBOC Order 2020 No. 5 Art. 43 (transferred: 15 days, at most 60)"},
            *_CN_REVIEW,
        ],
    },
    "cn-emergency": {
        "title": "China, same-day regime: accepted, dispatched, contacted and answered on the "
                 "day of receipt (24-hour duty roster)",
        "zone": "Asia/Shanghai", "calendar": "cn", "pause_reasons": [],
        "obligations": [
            {"name": "acceptance", "start": "receipt", "count": 0, "day_type": "calendar",
             "met_by": ["accept"], "verified": False, "cite": "bank emergency plan (Art. 29)"},
            {"name": "dispatch", "start": "receipt", "count": 0, "day_type": "calendar",
             "met_by": ["assign"], "verified": False, "cite": "bank emergency plan (Art. 29)"},
            {"name": "first_contact", "start": "receipt", "count": 0, "day_type": "calendar",
             "met_by": ["contact"], "verified": False, "cite": "bank emergency plan (Art. 29)"},
            {"name": "decision", "start": "receipt", "count": 0, "day_type": "calendar",
             "met_by": ["decision"], "headline": True, "verified": False,
             "cite": "bank emergency plan (Art. 29)"},
            *_CN_REVIEW,
        ],
    },
    "uk-fca": {
        "title": "UK: FCA Handbook DISP 1 and DISP 2.8",
        "zone": "Europe/London", "calendar": "uk-eaw", "pause_reasons": [],
        "obligations": [
            # Resolved by close of business on the 3rd business day after the day of receipt:
            # a summary resolution communication suffices. The window, not a duty.
            {"name": "summary_resolution", "start": "receipt", "count": 3,
             "day_type": "business", "ends_at": "17:00:00", "kind": "window",
             "met_by": ["decision"], "verified": False,
             "cite": "DISP 1.5.2R, 1.5.3G (close of business configurable)"},
            {"name": "final_response", "start": "receipt", "count": 8, "day_type": "weeks",
             "met_by": ["decision"], "headline": True, "unless": ["payment_services"],
             "cite": "DISP 1.6.2R"},
            {"name": "final_response_payment_services", "start": "receipt", "count": 15,
             "day_type": "business", "met_by": ["decision"], "headline": True,
             "when": ["payment_services"],
             "extensions": [{"to": 35}],  # exceptional, with a holding response by day 15
             "cite": "DISP 1.6.2AR"},
            {"name": "fos_referral_window", "start": "decision", "count": 6,
             "day_type": "months", "kind": "window", "cite": "DISP 2.8.2R, DISP 1 Annex 3R"},
        ],
    },
    "us-cfpb": {
        "title": "US: CFPB complaint portal, Regulation E, Regulation Z",
        "zone": "America/New_York", "calendar": "us", "pause_reasons": [],
        "obligations": [
            {"name": "cfpb_initial_response", "start": "receipt", "count": 15,
             "day_type": "calendar", "met_by": ["decision"],
             "cite": "CFPB company portal: respond within 15 days"},
            {"name": "cfpb_final_response", "start": "receipt", "count": 60,
             "day_type": "calendar", "met_by": ["decision"], "headline": True,
             "cite": "CFPB company portal: close within 60 days"},
            {"name": "reg_e_investigation", "start": "receipt", "count": 10,
             "day_type": "business", "met_by": ["decision"], "when": ["reg_e"],
             "extensions": [
                 {"to": 45, "day_type": "calendar", "requires": ["provisional_credit"]},
                 {"to": 90, "day_type": "calendar", "requires": ["provisional_credit"],
                  "when": ["reg_e_new_account", "reg_e_pos_or_foreign"]},
             ],
             "cite": "12 CFR 1005.11(c)(1)-(3)"},
            {"name": "reg_z_acknowledgement", "start": "receipt", "count": 30,
             "day_type": "calendar", "met_by": ["contact", "decision"], "when": ["reg_z"],
             "cite": "12 CFR 1026.13(c)(1)"},
            {"name": "reg_z_resolution", "start": "receipt", "count": 90,
             "day_type": "calendar", "met_by": ["decision"], "when": ["reg_z"],
             "verified": False, "cite": "12 CFR 1026.13(c)(2) (two billing cycles, at most 90)"},
        ],
    },
}


@dataclass(frozen=True)
class ExtensionStep:
    to: int
    day_type: str
    senior: bool = False
    requires: frozenset[str] = frozenset()
    when: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ObligationRule:
    name: str
    start: str
    count: int
    day_type: str
    roll: bool = False
    ends_at: dt.time = END_OF_DAY
    kind: str = DeadlineKind.DUTY
    met_by: frozenset[str] = frozenset()
    when: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()
    pausable: bool = False
    restarts_on_new_facts: bool = False
    extensions: tuple[ExtensionStep, ...] = ()
    headline: bool = False
    verified: bool = True
    cite: str = ""

    def applies(self, flags: frozenset[str]) -> bool:
        return (not self.when or bool(self.when & flags)) and not (self.unless & flags)

    def steps(self, flags: frozenset[str]) -> tuple[ExtensionStep, ...]:
        return tuple(s for s in self.extensions if not s.when or s.when & flags)


@dataclass(frozen=True)
class RulePack:
    code: str
    title: str
    zone: ZoneInfo
    calendar: str
    pause_reasons: frozenset[str]
    obligations: tuple[ObligationRule, ...]
    _by_name: dict[str, ObligationRule] = field(default_factory=dict, compare=False, repr=False)

    def rule(self, name: str) -> ObligationRule | None:
        return self._by_name.get(name)

    def starting(self, start: str, flags: frozenset[str]) -> list[ObligationRule]:
        return [r for r in self.obligations if r.start == start and r.applies(flags)]

    def headline(self, flags: frozenset[str]) -> ObligationRule:
        """The obligation the acknowledgement quotes ("we will decide by …")."""
        return next(r for r in self.obligations
                    if r.headline and r.start == "receipt" and r.applies(flags))


def _fail(pack: str, message: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"rule pack {pack!r}: {message}")


def _strings(pack: str, value: Any, allowed: frozenset[str] | None, what: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(pack, f"{what} must be a list of strings")
    unknown = set(value) - allowed if allowed is not None else set()
    if unknown:
        raise _fail(pack, f"unknown {what}: {sorted(unknown)}")
    return frozenset(value)


def _yes_no(pack: str, name: str, raw: dict[str, Any], key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise _fail(pack, f"{name}: {key} must be true or false, not {value!r}")
    return value


def _rule(pack: str, raw: dict[str, Any]) -> ObligationRule:
    name = raw.get("name", "?")
    flags = frozenset(ClockFlag.values)
    known = set(ObligationRule.__dataclass_fields__)
    if set(raw) - known:
        raise _fail(pack, f"{name}: unknown keys {sorted(set(raw) - known)}")
    if raw.get("start") not in STARTS or raw.get("day_type") not in DAY_TYPES:
        raise _fail(pack, f"{name}: start must be one of {sorted(STARTS)} and day_type one of "
                          f"{sorted(DAY_TYPES)}")
    count = raw.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 3650:
        raise _fail(pack, f"{name}: count must be a whole number from 0 to 3650")
    extensions = raw.get("extensions", [])
    if not isinstance(extensions, list) or not all(isinstance(s, dict) for s in extensions):
        raise _fail(pack, f"{name}: extensions must be a list of objects")
    steps = []
    for step in extensions:
        if set(step) - {"to", "day_type", "senior", "requires", "when"}:
            raise _fail(pack, f"{name}: unknown extension keys in {step}")
        to = step.get("to")
        if not isinstance(to, int) or isinstance(to, bool) or to <= 0:
            raise _fail(pack, f"{name}: an extension needs a positive whole `to`")
        day_type = step.get("day_type", raw["day_type"])
        if day_type not in DAY_TYPES:
            raise _fail(pack, f"{name}: unknown extension day_type {day_type!r}")
        steps.append(ExtensionStep(
            to=to, day_type=day_type, senior=_yes_no(pack, f"{name}: senior", step, "senior"),
            requires=_strings(pack, step.get("requires", []),
                              frozenset(ExtensionCondition.values), "conditions"),
            when=_strings(pack, step.get("when", []), flags, "flags"),
        ))
    kind = raw.get("kind", DeadlineKind.DUTY)
    if kind not in DeadlineKind.values:
        raise _fail(pack, f"{name}: kind must be one of {DeadlineKind.values}")
    try:
        ends_at = dt.time.fromisoformat(raw.get("ends_at", "23:59:59"))
    except (TypeError, ValueError):
        raise _fail(pack, f"{name}: ends_at must be a time like 17:00:00") from None
    return ObligationRule(
        name=name, start=raw["start"], count=count, day_type=raw["day_type"],
        roll=_yes_no(pack, name, raw, "roll"), ends_at=ends_at, kind=kind,
        met_by=_strings(pack, raw.get("met_by", []), None, "met_by"),
        when=_strings(pack, raw.get("when", []), flags, "flags"),
        unless=_strings(pack, raw.get("unless", []), flags, "flags"),
        pausable=_yes_no(pack, name, raw, "pausable"),
        restarts_on_new_facts=_yes_no(pack, name, raw, "restarts_on_new_facts"),
        extensions=tuple(sorted(steps, key=lambda s: s.to)),
        headline=_yes_no(pack, name, raw, "headline"),
        verified=_yes_no(pack, name, raw, "verified", default=True),
        cite=str(raw.get("cite", "")),
    )


def build(code: str, data: dict[str, Any]) -> RulePack:
    """Check a pack's data and turn it into a RulePack; any mistake is ImproperlyConfigured."""
    if data.get("calendar") not in ClockCalendar.values:
        raise _fail(code, f"calendar must be one of {ClockCalendar.values}")
    try:
        zone = ZoneInfo(str(data.get("zone")))
    except (ValueError, KeyError, OSError):
        raise _fail(code, f"unknown time zone {data.get('zone')!r}") from None
    rules = tuple(_rule(code, raw) for raw in data.get("obligations", []))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise _fail(code, "an obligation name appears twice")
    if not any(r.headline and r.start == "receipt" and not r.when for r in rules):
        raise _fail(code, "needs a headline obligation that starts at receipt for every "
                          "complaint")
    pause_reasons = _strings(code, data.get("pause_reasons", []), None, "pause reasons")
    if any(r.pausable for r in rules) != bool(pause_reasons):
        raise _fail(code, "pause reasons and pausable obligations go together")
    pack = RulePack(code=code, title=str(data.get("title", code)), zone=zone,
                    calendar=data["calendar"], pause_reasons=pause_reasons, obligations=rules)
    pack._by_name.update({r.name: r for r in rules})
    return pack


def _with_overrides(code: str, data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    changes = overrides.get(code, {})
    if not isinstance(changes, dict):
        raise _fail(code, "TOUSU_RULE_OVERRIDES entries must be objects")
    by_name = {o["name"]: o for o in data["obligations"]}
    if set(changes) - set(by_name):
        raise _fail(code, f"TOUSU_RULE_OVERRIDES names unknown obligations "
                          f"{sorted(set(changes) - set(by_name))}")
    for name, change in changes.items():
        if not isinstance(change, dict):
            raise _fail(code, f"TOUSU_RULE_OVERRIDES: {name} must be an object of changes")
        # Only numbers REGULATION.md marks [M] are the installation's to set; a verified one
        # (e.g. cn's 15 days) is the law's, and a stricter internal target is not a due date.
        if by_name[name].get("verified", True):
            raise _fail(code, f"TOUSU_RULE_OVERRIDES may not change {name}: its numbers are "
                              "verified regulation; only unverified ([M]) ones can be overridden")
        if set(change) - OVERRIDABLE:
            raise _fail(code, f"TOUSU_RULE_OVERRIDES may change only {sorted(OVERRIDABLE)} of "
                              f"{name}, not {sorted(set(change) - OVERRIDABLE)}")
    return {**data, "obligations": [
        {**o, **changes.get(o["name"], {}), "name": o["name"]} for o in data["obligations"]
    ]}


_cache: dict[tuple[str, str], RulePack] = {}


def _overrides(raw: str) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TOUSU_RULE_OVERRIDES is not valid JSON: {exc}") from None
    if not isinstance(value, dict) or set(value) - set(PACK_DATA):
        raise ImproperlyConfigured(
            f"TOUSU_RULE_OVERRIDES must be an object keyed by pack: {sorted(PACK_DATA)}")
    return value


def get(code: str | None = None) -> RulePack:
    """The pack `code` (by default the installation's TOUSU_RULE_PACK), built once."""
    code = code or str(settings.TOUSU_RULE_PACK)
    raw = str(getattr(settings, "TOUSU_RULE_OVERRIDES", "") or "")
    pack = _cache.get((code, raw))
    if pack is None:
        if code not in PACK_DATA:
            raise ImproperlyConfigured(
                f"TOUSU_RULE_PACK={code!r} is not a rule pack; choose one of {sorted(PACK_DATA)}")
        pack = build(code, _with_overrides(code, PACK_DATA[code], _overrides(raw)))
        _cache[(code, raw)] = pack
    return pack


_meeting: dict[str, dict[str, frozenset[str]]] = {}


def actions_meeting() -> dict[str, frozenset[str]]:
    """Lifecycle action → obligation names it fulfils in any pack (a complaint keeps the pack
    it was registered under)."""
    raw = str(getattr(settings, "TOUSU_RULE_OVERRIDES", "") or "")
    found = _meeting.get(raw)
    if found is None:
        result: dict[str, set[str]] = {}
        for code in PACK_DATA:
            for r in get(code).obligations:
                for event in r.met_by - {"decision", "review_request", "review_decision"}:
                    result.setdefault(event, set()).add(r.name)
        found = _meeting[raw] = {k: frozenset(v) for k, v in result.items()}
    return found
