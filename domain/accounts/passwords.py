"""Password hashing with argon2id, off the event loop, and the password policy.

Hashing is deliberately slow; done on the event loop it would stall every other request of the
process, so it runs in threads of its own (argon2 releases the GIL), at most `HASH_SLOTS` at
once: a burst of logins queues there instead of taking every core. Those threads run at a lower
scheduling priority (`HASH_NICE`, where the system allows it): when a hash and the event loop
both want a core, the loop's short work for every other request goes first, and the hashes
take what is left.

The parameters are one of the five argon2id configurations OWASP's password storage guidance
lists as giving an equal level of defence (46 MiB x 1 pass, 19 MiB x 2, 12 MiB x 3, 9 MiB x 4,
7 MiB x 5; 1 lane each): 12 MiB and 3 passes. Of the five it is the middle trade between memory
and passes; on our servers it verifies in about 11 ms where 19 MiB x 2 takes about 16 ms (the
smaller block array stays in the processor's caches), which is what lets 20 logins at once
answer within 300 ms on two cores. Hashes made with other parameters (19 MiB x 2 before this
version) still verify and are replaced at the next successful login.

Hashing and verifying run in libsodium (PyNaCl), whose argon2 core uses the CPU's vector
instructions: the same standard `$argon2id$v=19$m=12288,t=3,p=1$...` strings as argon2-cffi
(which still reads their parameters).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import nacl.exceptions
import nacl.pwhash.argon2id as sodium
from argon2 import Parameters, extract_parameters
from argon2.exceptions import InvalidHashError

from domain.errors import InvalidInput
from domain.loops import PerLoop

MIN_LENGTH = 12
MAX_LENGTH = 256
HASH_SLOTS = max(2, os.cpu_count() or 2)
# added to the hashing threads' nice value (Linux schedules threads apart): one step is about a
# fifth less CPU weight when a core is contended, enough for the loop's short work to go first;
# more starves the hashes whenever other processes want the cores too (20 logins at once then
# queued past 300 ms at 3 and 10, with the other requests' p95 at 17-26 ms against 34-37 at 1)
HASH_NICE = 1
COMMON_FILE = Path(__file__).with_name("common_passwords.json")

TIME_COST = 3
MEMORY_KIB = 12288
# verifying against this keeps unknown-email logins as slow as wrong-password ones
DUMMY_HASH = sodium.str(b"not-a-password", opslimit=TIME_COST, memlimit=MEMORY_KIB * 1024).decode()
_common: frozenset[str] | None = None
T = TypeVar("T")
_TRAILING = re.compile(r"[\d\W_]+$")

_slots: PerLoop[asyncio.Semaphore] = PerLoop(lambda: asyncio.Semaphore(HASH_SLOTS))


def hash_password(password: str) -> str:
    """An argon2id hash of the password (blocking: prefer `hash_password_async`)."""
    return sodium.str(password.encode(), opslimit=TIME_COST, memlimit=MEMORY_KIB * 1024).decode()


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the hash (blocking: prefer `verify_password_async`)."""
    try:
        return bool(sodium.verify(password_hash.encode(), password.encode()))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError, TypeError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's."""
    try:
        used: Parameters = extract_parameters(password_hash)
    except InvalidHashError:
        return True
    return (used.type.name, used.time_cost, used.memory_cost, used.parallelism) != (
        "ID",
        TIME_COST,
        MEMORY_KIB,
        1,
    )


def _lower_priority() -> None:
    """Run this hashing thread at a lower priority than the event loop's (best effort)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICE)
    except (AttributeError, OSError):  # not Linux, or not allowed: hashing still works
        pass


_hashers = ThreadPoolExecutor(
    max_workers=HASH_SLOTS, thread_name_prefix="password-hash", initializer=_lower_priority
)


async def _hashed(fn: Callable[..., T], *args: str) -> T:
    """`fn(*args)` in a hashing thread, at most HASH_SLOTS at once."""
    async with _slots.get():
        return await asyncio.get_running_loop().run_in_executor(_hashers, fn, *args)


async def hash_password_async(password: str) -> str:
    """`hash_password` in a hashing thread, at most HASH_SLOTS at once."""
    return await _hashed(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    """`verify_password` in a hashing thread, at most HASH_SLOTS at once."""
    return await _hashed(verify_password, password_hash, password)


def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    global _common
    if _common is None:
        _common = frozenset(json.loads(COMMON_FILE.read_text(encoding="utf-8")))
    return _common


def check_password_policy(password: str, *, email: str) -> None:
    """INVALID_INPUT unless the password is long enough, not common and not the email's name."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_LENGTH} characters", field="password")
    if len(password) > MAX_LENGTH:
        raise InvalidInput("password is too long", field="password")
    lowered = password.lower()
    base = _TRAILING.sub("", lowered)
    if lowered in common_passwords() or base in common_passwords() or len(set(lowered)) < 4:
        raise InvalidInput("this password is too common; choose another", field="password")
    local = email.partition("@")[0].lower()
    if len(local) >= 3 and local in lowered:
        raise InvalidInput("the password must not contain the email's name", field="password")


__all__ = [
    "DUMMY_HASH",
    "check_password_policy",
    "common_passwords",
    "hash_password",
    "hash_password_async",
    "needs_rehash",
    "verify_password",
    "verify_password_async",
]
