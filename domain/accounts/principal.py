"""The authenticated caller, and the ownership checks every service applies."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Role
from domain.errors import Forbidden

STAFF_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with a role, and for applicants their enterprise."""

    user_id: int
    email: str
    role: Role
    enterprise_id: int | None = None

    @property
    def is_staff(self) -> bool:
        """Bank staff see every enterprise."""
        return self.role in STAFF_ROLES

    def can_see_enterprise(self, enterprise_id: int) -> bool:
        """Staff see all; an applicant only its own enterprise."""
        return self.is_staff or (
            self.enterprise_id is not None and self.enterprise_id == enterprise_id
        )

    def require_enterprise(self, enterprise_id: int) -> None:
        """Raise FORBIDDEN unless the caller may act for this enterprise."""
        if not self.can_see_enterprise(enterprise_id):
            raise Forbidden("not allowed for this enterprise")

    def require_role(self, *roles: Role) -> None:
        """Raise FORBIDDEN unless the caller has one of the roles."""
        if self.role not in roles:
            raise Forbidden(f"requires role {' or '.join(r.value for r in roles)}")

    def require_staff(self) -> None:
        """Raise FORBIDDEN unless the caller is bank staff."""
        if not self.is_staff:
            raise Forbidden("requires bank staff")


SYSTEM = Principal(user_id=0, email="system", role=Role.ADMIN)
