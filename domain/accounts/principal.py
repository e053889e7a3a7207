"""The authenticated caller, and the ownership checks every service applies."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Role, VerificationStatus
from domain.errors import Forbidden, Unverified

STAFF_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER, Role.ADMIN})
# roles that move money (approve, countersign, disburse): they log in with a second factor
MONEY_ROLES = frozenset({Role.LOAN_OFFICER, Role.RISK_MANAGER})


class Scope:
    """What an access token is good for."""

    ALL = "all"
    # a password-only login of staff who must enrol a second factor: enrollTotp, confirmTotp,
    # me and logout only
    ENROL = "enrol"


@dataclass(frozen=True)
class SessionClaims:
    """The session an access token belongs to: checked against revocation on every use."""

    session_id: str
    issued_at: float  # seconds since the epoch
    expires_at: float
    scope: str = Scope.ALL


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user with a role, and for applicants their enterprise.

    `enterprise_id` is the enterprise the caller acts for, and every ownership check reads it:
    an applicant has it only once its account is verified. `account_enterprise_id` is the
    enterprise the account registered for, verified or not; it only names that enterprise
    (id, USCC, name) and is what verification works on. `verification` is the account's state
    as read for this request; None where in-process code builds a principal it trusts (jobs,
    the command line).
    """

    user_id: int
    email: str
    role: Role
    enterprise_id: int | None = None
    verification: VerificationStatus | None = None
    account_enterprise_id: int | None = None
    session: SessionClaims | None = None  # None for principals built in process (jobs, CLI)
    # a GUARANTOR's institution (guarantor_institution.id): it sees that institution's
    # programmes only; None for everyone else
    institution_id: int | None = None

    @classmethod
    def applicant(
        cls,
        *,
        user_id: int,
        email: str,
        enterprise_id: int | None,
        verification: VerificationStatus,
    ) -> Principal:
        """An applicant that acts for its enterprise only when verified."""
        acting = enterprise_id if verification == VerificationStatus.VERIFIED else None
        return cls(
            user_id=user_id,
            email=email,
            role=Role.APPLICANT,
            enterprise_id=acting,
            verification=verification,
            account_enterprise_id=enterprise_id,
        )

    @property
    def is_staff(self) -> bool:
        """Bank staff see every enterprise."""
        return self.role in STAFF_ROLES

    @property
    def own_enterprise_id(self) -> int | None:
        """The enterprise the account belongs to, verified or not."""
        return (
            self.enterprise_id if self.account_enterprise_id is None else self.account_enterprise_id
        )

    @property
    def unverified(self) -> bool:
        """An applicant whose account is known not to be verified (pending or revoked)."""
        return self.verification is not None and self.verification != VerificationStatus.VERIFIED

    def unverified_error(self) -> Unverified:
        """The refusal an unverified account gets for its enterprise's data and actions."""
        if self.verification == VerificationStatus.REVOKED:
            return Unverified("the bank revoked this account's verification")
        return Unverified("verify the account for its enterprise first (requestVerification)")

    @property
    def is_guarantor(self) -> bool:
        """Staff of a guarantor institution (not bank staff: its own programmes only)."""
        return self.role == Role.GUARANTOR

    def guarantor_institution_id(self) -> int:
        """The caller's institution; FORBIDDEN unless it is a guarantor's staff with one."""
        if self.role != Role.GUARANTOR or self.institution_id is None:
            raise Forbidden("requires a guarantor institution's staff")
        return self.institution_id

    def can_see_enterprise(self, enterprise_id: int) -> bool:
        """Staff see all; an applicant only its own enterprise, once verified."""
        return self.is_staff or (
            self.enterprise_id is not None and self.enterprise_id == enterprise_id
        )

    def require_enterprise(self, enterprise_id: int) -> None:
        """Raise FORBIDDEN unless the caller may act for this enterprise (UNVERIFIED when it is
        the account's own enterprise and the account is not verified)."""
        if self.can_see_enterprise(enterprise_id):
            return
        if self.unverified and self.own_enterprise_id == enterprise_id:
            raise self.unverified_error()
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
