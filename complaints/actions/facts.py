"""Facts of a complaint recorded or corrected after its registration: the number of
complainants, which staff often learn later (a group comes to the branch the next day)."""

from typing import Any

from complaints import action_schemas as s
from complaints.actions.common import bad, raise_severity
from complaints.actions.run import Ctx
from complaints.choices import IN_PERSON_CHANNELS, REGULATOR_SOURCES, SEVERITY_RANK, Severity
from complaints.models import Complaint
from triage.signals import Signal, group_signal, read_signals, severity_for


def record_group_size(ctx: Ctx, c: Complaint, p: s.GroupSizeIn) -> dict[str, Any]:
    """Record or correct the number of complainants, with a reason. The group signal and the
    rating then follow as at registration (CN Art. 29(2): 20 or more in person are major), and
    a higher rating takes effect as an escalation does (a major complaint announced once, the
    statistics with the row). A lower rating is never applied: the complaint has been announced
    and, as major, is answered only through an approved resolution; a corrected number must not
    undo that quietly, so the severity is kept and the event says so."""
    if p.group_size == c.group_size:
        raise bad("group_size", f"投诉人数已是 {c.group_size} / the number of complainants is "
                                f"already {c.group_size}")
    # Once recorded as in person, a later correction of the number does not unsay it.
    in_person = (c.channel in IN_PERSON_CHANNELS or p.in_person
                 or c.events.filter(type=ctx.action, payload__in_person=True).exists())
    counted = group_signal(p.group_size, in_person)
    # As at registration: a number of two or more replaces a word for a group in the text.
    groups = [counted] if counted else [
        g for g in read_signals(f"{c.content}\n{c.claim}") if g.name == "group"]
    signals = [Signal(x["name"], x["evidence"]) for x in c.signals if x["name"] != "group"]
    signals += groups
    before = c.group_size
    c.group_size = p.group_size
    c.signals = [{"name": x.name, "evidence": x.evidence} for x in signals]
    c.tags = sorted((set(c.tags) - {"group"}) | {g.name for g in groups})
    ctx.changed |= {"group_size", "signals", "tags"}
    rated = severity_for(signals, c.source in REGULATOR_SOURCES, group_size=p.group_size,
                         in_person=in_person)
    payload: dict[str, Any] = {"group_size_before": before, "group_size": p.group_size,
                               "in_person": in_person, "reason": p.reason}
    rank, now_rank = SEVERITY_RANK[Severity(rated)], SEVERITY_RANK[Severity(c.severity)]
    if rank > now_rank:
        payload["from"] = raise_severity(
            ctx, c, rated, f"投诉人数 Complainants {before or '—'} → {p.group_size}. {p.reason}")
        payload["to"] = rated
    elif rank < now_rank:
        payload["severity_kept"] = c.severity
    ctx.meets_clocks = False
    ctx.move(c)
    return payload
