"""The reports by name, run through the caller's scope: the one entry point of the API, the
pages and the commands."""

from collections.abc import Callable

from complaints.errors import NotFound
from org.access import Principal
from reports import alerts, assessment, catalog, regulator
from reports.scope import Scope, report_scope
from reports.tables import Params, Report

REPORTS: dict[str, tuple[Callable[[Scope, Params], Report], str]] = {
    "statistics": (catalog.statistics, "Counts by any dimensions, period and unit"),
    "service": (catalog.service, "Service measures: compliance, handling time, rates"),
    "drill": (catalog.drill, "The complaints behind a figure"),
    "root_causes": (catalog.root_causes, "Root causes by product and unit"),
    "regulator": (regulator.regulator, "CN quarterly statistics by JR/T 0169 codes"),
    "fca": (regulator.fca, "FCA complaints-return style summary"),
    "cfpb": (regulator.cfpb, "CFPB style summary"),
    "disclosure": (regulator.disclosure, "Annual public disclosure"),
    "alerts": (alerts.alerts, "Emerging-issue alerts for a week"),
    "withdrawals": (alerts.withdrawals, "Withdrawal monitoring and abuse flags"),
    "assessment": (assessment.assessment, "Quarterly branch assessment"),
}
# The names DESIGN.md gives the reports, where they differ from ours.
ALIASES = {"compliance": "service"}


def run_report(principal: Principal, name: str, params: Params) -> Report:
    """The report `name` over the caller's scope (narrowed to params.unit). Raises NotFound for
    an unknown report or a unit outside the scope, Forbidden for a caller with no reporting
    role."""
    name = ALIASES.get(name, name)
    if name not in REPORTS:
        raise NotFound(
            "No such report", [("name", f"可选 / known: {', '.join(REPORTS)}")], code="not_found"
        )
    scope = report_scope(principal, params.unit)
    return REPORTS[name][0](scope, params)
