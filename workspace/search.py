"""Full-text search over complaint content and claim: SQLite FTS5 with the trigram tokenizer
(works for Chinese, which has no spaces, and for English), kept current by triggers created in
migration 0001; PostgreSQL: `ILIKE` answered by pg_trgm GIN indexes (migration 0002)."""

from django.db import connection
from django.db.models import Max, Q, QuerySet

from complaints.models import Complaint

FTS_TABLE = "workspace_complaint_fts"
# A search returns the most recent matches only: a common word matches hundreds of thousands of
# complaints, and counting and sorting them all costs seconds that no reader needs.
SEARCH_LIMIT = 1000
# A term under three characters (the trigram index cannot answer it: 催收, 年费) is looked for
# by scanning; the scan covers the most recently registered complaints only.
SHORT_TERM_WINDOW = 50_000


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like(term: str) -> str:
    """An ILIKE pattern matching `term` anywhere, its wildcards taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(queryset: QuerySet[Complaint], query: str) -> QuerySet[Complaint]:
    """Complaints whose content or claim contain every whitespace-separated term of `query`
    (with the FTS index: the SEARCH_LIMIT most recently registered of them)."""
    # A NUL ends the string SQLite's FTS5 parses (an error, not a miss) and PostgreSQL refuses
    # it in any text: it is in no complaint, so it is left out of what is looked for.
    terms = [t for t in query.replace("\x00", " ").split() if t][:8]
    if not terms:
        return queryset
    # The trigram index answers only terms of three characters or more.
    if connection.vendor == "sqlite" and all(len(t) >= 3 for t in terms):
        match = " AND ".join(_fts_phrase(t) for t in terms)
        return queryset.extra(  # noqa: S610 - the MATCH expression is a bound parameter
            # the table name is a constant; the user's terms travel as a parameter
            where=[f"complaints_complaint.id IN (SELECT rowid FROM {FTS_TABLE} "  # noqa: S608
                   f"WHERE {FTS_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s)"],
            params=[match, SEARCH_LIMIT],
        )
    if connection.vendor == "postgresql" and all(len(t) >= 3 for t in terms):
        like = " AND ".join(["(content ILIKE %s OR claim ILIKE %s)"] * len(terms))
        params = [_like(t) for t in terms for _ in range(2)]
        return queryset.extra(  # noqa: S610 - the terms are bound parameters
            where=["complaints_complaint.id IN (SELECT id FROM complaints_complaint "  # noqa: S608
                   f"WHERE {like} ORDER BY id DESC LIMIT %s)"],
            params=[*params, SEARCH_LIMIT],
        )
    if any(len(t) < 3 for t in terms):
        newest = Complaint.objects.aggregate(newest=Max("id"))["newest"] or 0
        queryset = queryset.filter(id__gt=newest - SHORT_TERM_WINDOW)
    for term in terms:
        queryset = queryset.filter(Q(content__icontains=term) | Q(claim__icontains=term))
    return queryset
