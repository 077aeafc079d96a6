"""The placeholders a letter template may use. A misspelt one ({{ custmer_name }}) renders as
nothing, and the customer would get a letter with a gap where their name or a date belongs, so
the admin refuses a template that names any other."""

from django.template import Node, Template, Variable
from django.template.base import FilterExpression, VariableNode
from django.template.defaulttags import DebugNode, ForNode, IfNode, URLNode, WithNode
from django.template.loader_tags import ExtendsNode, IncludeNode

VARIABLES = frozenset({
    "number", "customer_name", "received_date", "due_date", "today", "unit", "decision",
    "verification", "basis", "reasons", "remedy", "amount", "review_outcome", "review_reasons",
    "extension_reason", "pause_reason",
})


# Tags that read other templates, the site's URLs or the whole context: a letter has none of
# them, and the first two fail only when the letter is written.
FORBIDDEN = {IncludeNode: "include", ExtendsNode: "extends", URLNode: "url", DebugNode: "debug"}


def forbidden_tags(template: Template) -> list[str]:
    """The tags of FORBIDDEN that `template` uses, sorted."""
    return sorted({FORBIDDEN[type(node)] for node in template.nodelist.get_nodes_by_type(Node)
                   if type(node) in FORBIDDEN})


def _names(expression: FilterExpression | str) -> set[str]:
    if not isinstance(expression, FilterExpression):
        return set()
    found = set()
    variables = [expression.var, *(arg for _, args in expression.filters for lookup, arg in args
                                   if lookup)]
    for var in variables:
        if isinstance(var, Variable) and var.lookups:
            found.add(var.lookups[0])
    return found


def _condition_names(condition: object) -> set[str]:
    if condition is None:
        return set()
    if isinstance(getattr(condition, "value", None), FilterExpression):
        return _names(condition.value)  # type: ignore[attr-defined]
    return (_condition_names(getattr(condition, "first", None))
            | _condition_names(getattr(condition, "second", None)))


def unknown_placeholders(template: Template) -> list[str]:
    """The names `template` reads that no letter provides (its own loop and `with` names
    aside), sorted."""
    used: set[str] = set()
    bound = {"forloop"}
    for node in template.nodelist.get_nodes_by_type(Node):
        if isinstance(node, VariableNode):
            used |= _names(node.filter_expression)
        elif isinstance(node, IfNode):
            for condition, _ in node.conditions_nodelists:
                used |= _condition_names(condition)
        elif isinstance(node, ForNode):
            used |= _names(node.sequence)
            bound.update(node.loopvars)
        elif isinstance(node, WithNode):
            for value in node.extra_context.values():
                used |= _names(value)
            bound.update(node.extra_context)
    return sorted(used - bound - VARIABLES)
