"""The per-request context: who is calling, and DataLoaders created lazily once per request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from domain.accounts.principal import Principal
from schema.errors import forbidden, unauthenticated


@dataclass
class Context:
    """What every resolver gets: the principal (None when anonymous), loaders, the request."""

    principal: Principal | None
    request: Any = None
    request_id: str | None = None
    idempotency_key: str | None = None
    # set by the websocket handler from connection_init's payload
    connection_params: dict[str, Any] | None = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)

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

    def loader(
        self, name: str, load: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        """The request's loader of that name, created on first use."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = DataLoader(load_fn=load)  # type: ignore[arg-type]
            self._loaders[name] = existing
        return existing

    def keyed_loader(
        self, name: str, key: Hashable, load: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        """A loader per (name, key): pages with the same arguments batch together."""
        return self.loader(f"{name}:{key!r}", load)
