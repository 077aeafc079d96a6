"""Who may read which statistics. A report covers the subtrees of the units on which the caller
holds a reporting role (or the unit of an API key that may read complaints), optionally
narrowed to one unit inside them; everything a report reads is filtered to those units."""

from dataclasses import dataclass
from functools import cached_property

from complaints.errors import Forbidden, NotFound
from org.access import INTEGRATION, Principal
from org.choices import Role
from org.models import OrgUnit

REPORT_ROLES = frozenset({Role.MANAGER, Role.CONSUMER_PROTECTION, Role.AUDITOR})


@dataclass(frozen=True)
class Scope:
    """The report's root units and every unit under them (by id)."""

    roots: tuple[OrgUnit, ...]
    units: dict[int, OrgUnit]
    whole_bank: bool

    @cached_property
    def by_path(self) -> dict[str, OrgUnit]:
        return {u.path: u for u in self.units.values()}

    @property
    def unit_ids(self) -> list[int]:
        return sorted(self.units)

    def label(self) -> str:
        return ", ".join(f"{u.code} {u.name}" for u in self.roots)

    def roll_up(self, unit_id: int, depth: int) -> OrgUnit:
        """The unit `depth` levels below its report root that contains `unit_id` (the unit
        itself when it is shallower)."""
        unit = self.units[unit_id]
        root = next(r for r in self.roots if unit.path.startswith(r.path))
        parts = unit.path.strip("/").split("/")
        keep = len(root.path.strip("/").split("/")) + depth
        return self.by_path.get("/" + "/".join(parts[:keep]) + "/", unit)

    def direct_only(self, unit: OrgUnit, depth: int) -> bool:
        """Whether a rolled-up row of `unit` holds only the unit's own complaints (it is
        shallower than the roll-up depth), not its subtree's."""
        root = next(r for r in self.roots if unit.path.startswith(r.path))
        return unit.path.count("/") < root.path.count("/") + depth

    @cached_property
    def _codes(self) -> dict[str, OrgUnit]:
        return {u.code: u for u in self.units.values()}

    def by_code(self, code: str) -> OrgUnit:
        return self._codes[code]


def report_paths(principal: Principal) -> list[str]:
    if principal.api_key_id is not None:
        # A key that may read every complaint of its subtree may read their statistics too
        # ("reports:read" is honoured as well, for when org/keys.py lists it).
        if not principal.scopes & {"complaints:read", "reports:read"}:
            return []
        return [p for role, p in principal.grants if role == INTEGRATION]
    return [p for role, p in principal.grants if role in REPORT_ROLES]


def report_scope(principal: Principal, unit_code: str = "") -> Scope:
    """The scope of a report for this principal, narrowed to `unit_code` when given. Raises
    Forbidden for a caller with no reporting role and NotFound for a unit outside the scope."""
    paths = report_paths(principal)
    if not paths:
        raise Forbidden(
            "You may not read reports", [("report", "无报表权限 / no reporting role")],
            code="forbidden",
        )
    # The smallest set of roots covering every granted subtree.
    tops = sorted(set(paths), key=len)
    roots_paths = [p for i, p in enumerate(tops) if not any(p.startswith(q) for q in tops[:i])]
    all_units = list(OrgUnit.objects.all())
    if unit_code:
        unit = next((u for u in all_units if u.code == unit_code), None)
        if unit is None or not any(unit.path.startswith(p) for p in roots_paths):
            raise NotFound(
                "No such unit within your scope",
                [("unit", f"您的范围内没有机构 {unit_code!r} / no org unit {unit_code!r} within "
                          "your scope")],
                code="not_found",
            )
        roots_paths = [unit.path]
    by_path = {u.path: u for u in all_units}
    roots = tuple(by_path[p] for p in roots_paths if p in by_path)
    units = {u.pk: u for u in all_units if any(u.path.startswith(p) for p in roots_paths)}
    whole_bank = len(units) == len(all_units)
    return Scope(roots=roots, units=units, whole_bank=whole_bank)
