"""The error policy and the document cache, through schema.execute."""

from __future__ import annotations

from collections import Counter
from typing import Any

import graphql
import pytest
import strawberry.schema.schema as strawberry_schema_module
from graphql import GraphQLError, GraphQLSyntaxError, Source, parse
from strawberry.types import ExecutionResult

import schema.limits.extension as extension_module
from schema.http import make_graphql_app
from schema.limits import LimitConfig, MaxDepthRule, build_extensions_and_rules
from schema.limits.cache import DocumentCache
from schema.limits.rules import configured_rules

from .conftest import SchemaFactory
from .limits_helpers import codes, deep_query, run

# ---- error policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("production", "query", "variables", "code", "message_has", "message_lacks"),
    [
        (True, "{ boom }", None, "INTERNAL_SERVER_ERROR", "Unexpected error.", "secret"),
        (False, "{ boom }", None, "INTERNAL_SERVER_ERROR", "secret", None),
        (True, "{ forbidden }", None, "FORBIDDEN", "not allowed", None),
        (True, "{ helo }", None, "GRAPHQL_VALIDATION_FAILED", "'helo'", "Did you mean"),
        (False, "{ helo }", None, "GRAPHQL_VALIDATION_FAILED", "Did you mean", None),
        (True, "{ node(idd: 1) { name } }", None, "GRAPHQL_VALIDATION_FAILED", "idd", "Did you"),
        (
            True,
            "query($c: Color!) { color(c: $c) }",
            {"c": "GREN"},
            "BAD_USER_INPUT",
            "GREN",
            "Did you mean",
        ),
        (True, "{ __schema { queryType { name } } }", None, "GRAPHQL_VALIDATION_FAILED",
         "Introspection is disabled", None),
        (True, "query($n: Int!) { node(id: $n) { name } }", {"n": "x"}, "BAD_USER_INPUT",
         "Int cannot represent", None),
    ],
)  # fmt: skip
async def test_error_policy(
    make_schema: SchemaFactory,
    production: bool,
    query: str,
    variables: dict[str, Any] | None,
    code: str,
    message_has: str,
    message_lacks: str | None,
) -> None:
    schema, _ = make_schema(production=production)
    result = await run(schema, query, variables)
    assert set(codes(result)) == {code}
    message = " ".join(e.message for e in result.errors or [])
    assert message_has in message
    if message_lacks:
        assert message_lacks not in message


async def test_introspection_is_served_outside_production(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema(production=False)
    result = await run(schema, "{ __schema { queryType { name } } }")
    assert result.errors is None
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


async def test_typename_stays_allowed_in_production(make_schema: SchemaFactory) -> None:
    schema, _ = make_schema()
    result = await run(schema, "{ __typename }")
    assert result.data == {"__typename": "Query"}


@pytest.mark.parametrize(
    ("production", "error", "code", "message"),
    [
        (True, GraphQLSyntaxError(Source("{"), 1, "Unexpected <EOF>."), "GRAPHQL_PARSE_FAILED", None),
        (True, GraphQLError("db password is x", original_error=RuntimeError()),
         "INTERNAL_SERVER_ERROR", "Unexpected error."),
        (False, GraphQLError("db password is x"), "INTERNAL_SERVER_ERROR", "db password is x"),
        (True, GraphQLError("no", extensions={"code": "FORBIDDEN"}), "FORBIDDEN", "no"),
    ],
)  # fmt: skip
async def test_http_view_codes_errors_that_escaped_the_policy(
    make_schema: SchemaFactory,
    production: bool,
    error: GraphQLError,
    code: str,
    message: str | None,
) -> None:
    # an error raised from an extension hook skips ErrorPolicy; the view still codes it
    schema, hardening = make_schema(production=production)
    view = make_graphql_app(
        schema, production=production, limits=hardening.limits, context_getter=_no_context
    )
    response = await view.process_result(None, ExecutionResult(data=None, errors=[error]))  # type: ignore[arg-type]
    [formatted] = response["errors"]  # type: ignore[misc]
    assert formatted["extensions"]["code"] == code  # type: ignore[index]
    if message is not None:
        assert formatted["message"] == message  # type: ignore[index]


async def _no_context(request: Any) -> None:
    return None


# ---- caching ----------------------------------------------------------------------------------


async def test_repeated_query_is_parsed_and_validated_once(
    make_schema: SchemaFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()

    def counting(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    # ours and strawberry's own: neither may run again for a repeated text
    for module in (extension_module, strawberry_schema_module):
        monkeypatch.setattr(module, "validate", counting("validate", graphql.validate))
        monkeypatch.setattr(module, "parse", counting("parse", graphql.parse))
    schema, hardening = make_schema()
    query = "query Q($n: Int) { node(id: 1) { children(first: $n) { name } } }"

    first = await run(schema, query, {"n": 2})
    assert first.errors is None
    after_first = calls.copy()
    assert after_first["parse"] == 1
    assert after_first["validate"] >= 1

    for n in range(5):
        again = await run(schema, query, {"n": n})
        assert again.errors is None
    assert calls == after_first
    assert hardening.cache.hits == 5

    # another text is parsed and validated on its own
    await run(schema, "{ hello }")
    assert calls["parse"] == 2
    assert calls["validate"] > after_first["validate"]


async def test_refused_documents_are_cached_too(
    make_schema: SchemaFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = Counter[str]()
    real = graphql.validate

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter["validate"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(extension_module, "validate", counting)
    schema, _ = make_schema()
    results = [await run(schema, deep_query(20)) for _ in range(3)]
    assert all(codes(r) == ["LIMIT_EXCEEDED"] for r in results)
    # the limits phase refused it once; the spec rules never ran on it
    assert counter["validate"] == 1


def test_rule_classes_are_stable_across_builds() -> None:
    first = build_extensions_and_rules(production=True)
    second = build_extensions_and_rules(production=True)
    assert first.validation_rules == second.validation_rules
    assert MaxDepthRule in first.validation_rules
    custom = LimitConfig(max_depth=5)
    assert configured_rules(custom, production=False) is configured_rules(
        LimitConfig(max_depth=5), production=False
    )
    depth_rule = configured_rules(custom, production=False)[0]
    assert issubclass(depth_rule, MaxDepthRule)
    assert depth_rule.limits.max_depth == 5


def test_document_cache_is_bounded() -> None:
    cache = DocumentCache(max_entries=3, max_chars=100)
    document = parse("{ a }")
    for i in range(5):
        cache.put(f"{{ a{i} }}", document)
    assert len(cache) == 3
    assert cache.get("{ a0 }") is None
    assert cache.get("{ a4 }") is not None
    cache.put("{ " + "b " * 40 + "}", document)
    cache.put("{ " + "c " * 40 + "}", document)
    assert len(cache) == 1  # the character bound evicted the rest
    assert cache.put("x" * 200, document).query == "x" * 200
    assert len(cache) == 1  # too long to keep
