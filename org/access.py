"""The one place that decides what a principal (a staff member or an integration key) may see
and do. Every list, detail, action and API call asks it."""

from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from org import cache
from org.choices import Role
from org.models import ApiKey, OrgUnit, RoleGrant

READ_ROLES = frozenset(
    {Role.INTAKE_AGENT, Role.HANDLER, Role.MANAGER, Role.CONSUMER_PROTECTION, Role.AUDITOR}
)
INTEGRATION = "integration"


@dataclass(frozen=True)
class Principal:
    """Who is acting. `grants` are (role, unit path) pairs; a key acts as `integration` on
    its own unit."""

    label: str
    user_id: int | None = None
    api_key_id: int | None = None
    grants: tuple[tuple[str, str], ...] = ()
    scopes: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def read_paths(self) -> tuple[str, ...]:
        return tuple(
            path for role, path in self.grants if role in READ_ROLES or role == INTEGRATION
        )

    def roles_on(self, unit_path: str) -> set[str]:
        """Roles this principal holds on a unit, through a grant on the unit or an ancestor."""
        return {role for role, path in self.grants if unit_path.startswith(path)}

    def can_read(self, unit_path: str) -> bool:
        if self.api_key_id is not None and "complaints:read" not in self.scopes:
            return False
        return any(unit_path.startswith(p) for p in self.read_paths)

    def visibility(self, unit_field: str = "unit__path") -> Q:
        """A filter matching only the complaints this principal may read."""
        if self.api_key_id is not None and "complaints:read" not in self.scopes:
            return Q(pk__in=[])
        query = Q(pk__in=[])
        for path in self.read_paths:
            query |= Q(**{f"{unit_field}__startswith": path})
        return query

    def has_scope(self, scope: str) -> bool:
        return self.api_key_id is None or scope in self.scopes


def staff_principal(user: AbstractBaseUser | AnonymousUser) -> Principal | None:
    if not user.is_authenticated or not user.is_active:
        return None
    grants = tuple(
        RoleGrant.objects.filter(user_id=user.pk, unit__active=True).values_list(
            "role", "unit__path"
        )
    )
    return Principal(label=f"staff:{user.get_username()}", user_id=user.pk, grants=grants)


def key_principal(key: ApiKey) -> Principal:
    return Principal(
        label=f"key:{key.name}",
        api_key_id=key.pk,
        grants=((INTEGRATION, key.unit.path),),
        scopes=frozenset(key.scopes),
    )


def unit_by_code(code: str) -> OrgUnit | None:
    """The active unit with this code (cached briefly: read on every registration)."""
    return cache.remember(
        "unit", code, lambda: OrgUnit.objects.filter(code=code, active=True).first()
    )


def unit_by_path(path: str) -> OrgUnit | None:
    return cache.remember(
        "unit-path", path, lambda: OrgUnit.objects.filter(path=path, active=True).first()
    )


def principal_for_token(token: str) -> Principal | None:
    """The principal of an active API key (cached briefly by the token's hash)."""
    from org.keys import check_key, digest

    def load() -> Principal | None:
        key = check_key(token)
        return key_principal(key) if key else None

    return cache.remember("key", digest(token), load)
