"""Opaque ids and cursors: clients never see database keys."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import TypeVar

from domain.errors import DomainError, NotFound

R = TypeVar("R")


def encode_id(type_name: str, pk: int) -> str:
    """The opaque id of a record, e.g. for `Enterprise` 12."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


def decode_id(value: str, type_name: str) -> int | None:
    """The primary key inside an opaque id of the expected type, or None when it is not one."""
    try:
        padded = value + "=" * (-len(value) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kind, _, pk = raw.partition(":")
    if kind != type_name or not pk.isdigit() or len(pk) > 18:
        return None
    return int(pk)


def encode_cursor(pk: int) -> str:
    """A page cursor after the record with this key."""
    return encode_id("cursor", pk)


def type_of_id(value: str) -> str | None:
    """The type name an opaque id was made for, or None when it is not one of ours."""
    try:
        padded = value + "=" * (-len(value) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kind, sep, pk = raw.partition(":")
    return kind if sep and pk.isdigit() else None


def decode_cursor(value: str | None) -> int | None:
    """The key inside a cursor; None for no cursor. Raises ValueError when malformed."""
    if value is None:
        return None
    pk = decode_id(value, "cursor")
    if pk is None:
        raise ValueError("malformed cursor")
    return pk


def decode_or_raise(
    value: str, type_name: str, field: str = "id", message: str | None = None
) -> int:
    """The key inside an opaque id, or NOT_FOUND (a foreign id reads as unknown)."""
    pk = decode_id(value, type_name)
    if pk is None:
        raise NotFound(message or f"no such {type_name}", field=field)
    return pk


async def readable_or_none(
    value: str, type_name: str, read: Callable[[int], Awaitable[R]]
) -> R | None:
    """The record behind an opaque id, or None when the id is not one, unknown or not the
    caller's (a foreign id reads as unknown)."""
    pk = decode_id(value, type_name)
    if pk is None:
        return None
    try:
        return await read(pk)
    except DomainError:
        return None
