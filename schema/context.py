"""The per-request context: who is calling, the request, and the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from domain.accounts.principal import Principal
from resolvers.context import ctx
from resolvers.errors import forbidden, unauthenticated
from resolvers.loaders import Loaders


@dataclass
class Context:
    """What every resolver gets: the principal (None when anonymous), loaders, the request."""

    principal: Principal | None
    request: Any = None
    request_id: str | None = None
    idempotency_key: str | None = None
    # set by the websocket handler from connection_init's payload
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(default_factory=Loaders)
    # staff with money powers holding an enrolment-only token (a password-only login before
    # enrolling a second factor): only me, enrollTotp, confirmTotp and logout read it; every
    # other field sees an anonymous caller
    enrolling: Principal | None = None

    def fresh(self) -> Context:
        """The same caller and request with new, empty loaders: each operation on a websocket
        and each subscription event gets one, so nothing read for an earlier message is served
        again and nothing it cached outlives it."""
        return replace(self, loaders=Loaders())

    def require(self) -> Principal:
        """The principal, or a top-level authentication error."""
        if self.principal is None:
            raise unauthenticated()
        return self.principal

    def require_staff(self) -> Principal:
        """The principal if it is bank staff; a top-level FORBIDDEN error otherwise."""
        principal = self.require()
        if not principal.is_staff:
            raise forbidden("this operation is for bank staff")
        return principal


__all__ = ["Context", "Loaders", "ctx"]
