"""The hostile HTTP requests: how each is built, and which refusals are acceptable."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from .conftest import HostileTarget

LIMIT = "LIMIT_EXCEEDED"
INVALID = "GRAPHQL_VALIDATION_FAILED"
PARSE = "GRAPHQL_PARSE_FAILED"
BAD_REQUEST = "BAD_REQUEST"
BAD_INPUT = "BAD_USER_INPUT"

Build = Callable[[HostileTarget], dict[str, Any]]


@dataclass(frozen=True)
class Attack:
    """One hostile HTTP request and the refusals that are acceptable."""

    name: str
    build: Build
    status: frozenset[int]
    codes: frozenset[str]
    # text that must not appear in the answer
    absent: tuple[str, ...] = field(default=())


def attack(
    name: str, build: Build, status: int | set[int], *codes: str, absent: tuple[str, ...] = ()
) -> Attack:
    statuses = frozenset({status} if isinstance(status, int) else status)
    return Attack(name, build, statuses, frozenset(codes), absent)


def post(query: str, variables: dict[str, Any] | None = None, **body: Any) -> Build:
    payload: dict[str, Any] = {"query": query, **body}
    if variables is not None:
        payload["variables"] = variables
    return lambda _t: {"method": "POST", "json": payload}


def post_raw(content: bytes | str, content_type: str | None = "application/json") -> Build:
    headers = {"content-type": content_type} if content_type else {}
    return lambda _t: {"method": "POST", "content": content, "headers": headers}


def get(**params: str) -> Build:
    return lambda _t: {"method": "GET", "params": params}


def aliases(n: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }"


def fragment_chain(n: int) -> str:
    """`{ a { ...F1 } }` with F1 .. Fn each one level deeper (on an unknown type)."""
    parts = ["{ a { ...F1 } }"]
    for i in range(1, n + 1):
        inner = f"...F{i + 1}" if i < n else "z"
        parts.append(f"fragment F{i} on T {{ b{i} {{ {inner} }} }}")
    return " ".join(parts)


def fragment_doubling(n: int) -> str:
    """Each fragment spreads the next twice: 2**n aliases if expanded naively."""
    parts = ["{ ...F0 }"]
    for i in range(n):
        parts.append(f"fragment F{i} on Query {{ x{i}: __typename ...F{i + 1} ...F{i + 1} }}")
    parts.append(f"fragment F{n} on Query {{ __typename }}")
    return " ".join(parts)


def target_post(pick: Callable[[HostileTarget], str | tuple[str, dict[str, Any]] | None]) -> Build:
    def build(target: HostileTarget) -> dict[str, Any]:
        picked = pick(target)
        if picked is None:
            pytest.skip("the target has no such operation")
        query, variables = picked if isinstance(picked, tuple) else (picked, None)
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return {"method": "POST", "json": body}

    return build


def target_get(pick: Callable[[HostileTarget], str | None], **params: str) -> Build:
    def build(target: HostileTarget) -> dict[str, Any]:
        query = pick(target)
        if query is None:
            pytest.skip("the target has no such operation")
        return {"method": "GET", "params": {"query": query, **params}}

    return build


def chunked(size: int) -> Build:
    def body() -> Iterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"x": "'
        for _ in range(size // 1024):
            yield b"x" * 1024
        yield b'"}}'

    return lambda _t: {
        "method": "POST",
        "content": body(),
        "headers": {"content-type": "application/json"},
    }


HUGE_VARIABLES = {"blob": "x" * 300_000}

ATTACKS = [
    # depth
    attack("depth one over", target_post(lambda t: t.deep(t.limits.max_depth + 1)), 200, LIMIT),
    attack("depth 200", target_post(lambda t: t.deep(200)), 200, LIMIT),
    attack("depth through a fragment chain", post(fragment_chain(14)), 200, LIMIT),
    attack("nesting the parser refuses", post("{ a " * 600 + "}" * 600), 200, LIMIT),
    # aliases
    attack("aliases one over", target_post(lambda t: aliases(t.limits.max_aliases + 1)), 200, LIMIT),
    attack("alias flood", post(aliases(600)), 200, LIMIT),
    attack(
        "aliases hidden in fragments",
        post(
            "{ ...F ...G } fragment F on Query { " + " ".join(f"f{i}: __typename" for i in range(8))
            + " } fragment G on Query { ...F " + " ".join(f"g{i}: __typename" for i in range(8)) + " }"
        ),
        200, LIMIT,
    ),
    attack("fragment doubling bomb", post(fragment_doubling(40)), 200, LIMIT),
    # fragments
    attack(
        "circular fragments",
        post("{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }"),
        200, INVALID,
    ),
    attack("self-spreading fragment", post("{ ...A } fragment A on Query { ...A }"), 200, INVALID),
    attack("unknown fragment", post("{ ...Nope }"), 200, INVALID),
    # size
    attack("token flood", post("{ " + "__typename " * 3000 + "}"), 200, LIMIT),
    attack("comment flood", post("#\n" * 5000 + "{ __typename }"), 200, LIMIT),
    attack("huge document", post("{ __typename }" + " " * 100_000), 200, LIMIT),
    attack("huge string literal", post('{ __typename(x: "' + "x" * 40_000 + '") }'), 200, INVALID),
    attack("huge integer literal", post("{ __typename(x: " + "9" * 5000 + ") }"), 200, INVALID),
    attack("oversized variables", post("{ __typename }", HUGE_VARIABLES), 413, LIMIT),
    attack("oversized chunked body", chunked(400_000), 413, LIMIT),
    # directives
    attack("directive flood", post("{ __typename" + " @include(if: true)" * 11 + " }"), 200, LIMIT),
    attack("unknown directive flood", post("{ __typename" + " @x" * 300 + " }"), 200, LIMIT),
    attack(
        "directives spread over the document",
        post("query Q @a @b @c @d { ...F @e @f } fragment F on Query @g @h { __typename @i @j @k }"),
        200, LIMIT,
    ),
    # cost
    attack("cost bomb with literal sizes", target_post(lambda t: t.cost_bomb), 200, LIMIT),
    attack("cost bomb with variable sizes", target_post(lambda t: t.cost_bomb_variables), 200, LIMIT),
    # batching
    attack("batch of two", post_raw(json.dumps([{"query": "{ __typename }"}] * 2)), 400, BAD_REQUEST),
    attack("batch of a thousand", post_raw(json.dumps([{"query": "{ a }"}] * 1000)), 400, BAD_REQUEST),
    # introspection and probing (production)
    attack("introspection __schema", post("{ __schema { types { name } } }"), 200, INVALID),
    attack("introspection __type", post('{ __type(name: "Query") { name } }'), 200, INVALID),
    attack("introspection in a fragment", post("{ ...I } fragment I on Query { __schema { queryType { name } } }"), 200, INVALID),
    attack("introspection under an alias", post("{ s: __schema { queryType { name } } }"), 200, INVALID),
    attack("introspection over GET", get(query="{ __schema { types { name } } }"), 200, INVALID),
    attack("field suggestion probing", target_post(lambda t: t.misspelt_field), 200, INVALID, absent=("Did you mean",)),
    attack("enum suggestion probing", target_post(lambda t: t.misspelt_enum), 200, BAD_INPUT, absent=("Did you mean",)),
    attack("type suggestion probing", post("query Q($x: Strin) { __typename }"), 200, INVALID, absent=("Did you mean",)),
    # methods and operation types
    attack("mutation over GET", target_get(lambda t: t.mutation), 405, BAD_REQUEST),
    attack(
        "mutation over GET picked by name",
        target_get(lambda t: "query Q { __typename } " + t.mutation.replace("mutation", "mutation M", 1), operationName="M"),
        405, BAD_REQUEST,
    ),
    attack("subscription over GET", target_get(lambda t: t.subscription), 400, BAD_REQUEST),
    attack("subscription over POST", target_post(lambda t: t.subscription), 400, BAD_REQUEST),
    attack("PUT", lambda _t: {"method": "PUT", "json": {"query": "{ __typename }"}}, 405, BAD_REQUEST),
    attack("DELETE", lambda _t: {"method": "DELETE"}, 405, BAD_REQUEST),
    # content types
    attack("url-encoded body", lambda _t: {"method": "POST", "data": {"query": "{ __typename }"}}, 415, BAD_REQUEST),
    attack("multipart body", lambda _t: {"method": "POST", "files": {"operations": ("o.json", b'{"query": "{ __typename }"}')}}, 415, BAD_REQUEST),
    attack("text/plain body", post_raw('{"query": "{ __typename }"}', "text/plain"), 415, BAD_REQUEST),
    attack("no content type", post_raw(b'{"query": "{ __typename }"}', None), 415, BAD_REQUEST),
    attack("application/graphql body", post_raw("{ __typename }", "application/graphql"), 415, BAD_REQUEST),
    # malformed bodies
    attack("invalid JSON", post_raw(b'{"query": '), 400, BAD_REQUEST),
    attack("JSON nested 100k deep", post_raw(b"[" * 100_000 + b"]" * 100_000), 400, BAD_REQUEST),
    attack("JSON number of 5000 digits", post_raw(b'{"query": "{ __typename }", "variables": {"n": ' + b"9" * 5000 + b"}}"), 400, BAD_REQUEST),
    attack("invalid UTF-8", post_raw(b'{"query": "\xff\xfe"}'), 400, BAD_REQUEST),
    attack("JSON string body", post_raw(b'"{ __typename }"'), 400, BAD_REQUEST),
    attack("JSON null body", post_raw(b"null"), 400, BAD_REQUEST),
    attack("empty body", post_raw(b""), 400, BAD_REQUEST),
    attack("empty object", post_raw(b"{}"), 400, BAD_REQUEST),
    attack("query not a string", post_raw(b'{"query": 5}'), 400, BAD_REQUEST),
    attack("variables a list", post_raw(b'{"query": "{ __typename }", "variables": [1]}'), 400, BAD_REQUEST),
    attack("operationName an object", post_raw(b'{"query": "{ __typename }", "operationName": {}}'), 400, BAD_REQUEST),
    attack("unknown operationName", post("query A { __typename }", operationName="B"), 400, BAD_REQUEST),
    attack("syntax error", post("{ __typename"), 200, PARSE),
    attack("NUL in the document", post("{ __typename \x00 }"), 200, PARSE),
    attack("GET token flood", get(query="{ " + "__typename " * 2500 + "}"), 200, LIMIT),
    attack("GET malformed variables", get(query="{ __typename }", variables="{nope"), 400, BAD_REQUEST),
    attack("GraphiQL page in production", lambda _t: {"method": "GET", "headers": {"accept": "text/html"}}, 404, BAD_REQUEST),
]  # fmt: skip
