"""What clients see of errors: a stable `extensions.code` on each, unexpected ones masked."""

from __future__ import annotations

import re

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

from domain.errors import DomainError, ErrorCode
from resolvers.errors import BAD_USER_INPUT, FORBIDDEN, UNAUTHENTICATED, top_level_code
from schema.limits.rules import GRAPHQL_VALIDATION_FAILED, LIMIT_EXCEEDED

GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
BAD_REQUEST = "BAD_REQUEST"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
MASKED_MESSAGE = "Unexpected error."

# codes whose messages are written for clients; any other error is unexpected
PUBLIC_CODES: frozenset[str] = frozenset(
    {
        LIMIT_EXCEEDED,
        GRAPHQL_PARSE_FAILED,
        GRAPHQL_VALIDATION_FAILED,
        BAD_USER_INPUT,
        BAD_REQUEST,
        UNAUTHENTICATED,
        FORBIDDEN,
        *(code.value for code in ErrorCode),
    }
)

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    """The message without graphql-core's "Did you mean ...?" hints."""
    return _SUGGESTION.sub("", message)


def is_parse_limit(error: GraphQLError) -> bool:
    """True for the parser's refusals of too many tokens, too long or too deep a document."""
    return isinstance(error, GraphQLSyntaxError) and error.message.endswith("Parsing aborted.")


def with_code(error: GraphQLError, code: str, message: str | None = None) -> GraphQLError:
    """A copy of the error with this code (errors may be shared through the caches)."""
    return GraphQLError(
        error.message if message is None else message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )


def ensure_code(error: GraphQLError, *, production: bool) -> GraphQLError:
    """An error that escaped `ErrorPolicy` (raised from a hook): coded, masked if unknown."""
    if isinstance((error.extensions or {}).get("code"), str):
        return error
    if isinstance(error, GraphQLSyntaxError):
        return with_code(error, LIMIT_EXCEEDED if is_parse_limit(error) else GRAPHQL_PARSE_FAILED)
    if production:
        return GraphQLError(MASKED_MESSAGE, extensions={"code": INTERNAL_SERVER_ERROR})
    return with_code(error, INTERNAL_SERVER_ERROR)


class ErrorPolicy(MaskErrors):
    """Stamps a code on every error; in production masks the unexpected ones and hints.

    Kept: errors with a public code, and errors about the request itself (syntax,
    variables: no response path and no foreign exception behind them); validation errors
    come coded from `GraphQLLimits`.
    Masked: everything else, such as a resolver's exception, as "Unexpected error." with
    the code INTERNAL_SERVER_ERROR.
    """

    def __init__(self, *, production: bool, public_codes: frozenset[str] = PUBLIC_CODES) -> None:
        super().__init__(error_message=MASKED_MESSAGE)
        self.production = production
        self.public_codes = public_codes

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self.public_error(error) for error in errors]

    def _process_result(self, result: object) -> None:
        # the base class checks a runtime Protocol here, which costs more than the rest
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def classify(self, error: GraphQLError) -> str:
        """The code clients get for this error."""
        code = (error.extensions or {}).get("code")
        if isinstance(code, str):
            return code if code in self.public_codes else INTERNAL_SERVER_ERROR
        if isinstance(error.original_error, DomainError):
            # an expected failure raised outside a payload (e.g. a bad filter argument)
            return top_level_code(error.original_error)
        if error.path is not None:
            return INTERNAL_SERVER_ERROR
        if isinstance(error, GraphQLSyntaxError):
            return LIMIT_EXCEEDED if is_parse_limit(error) else GRAPHQL_PARSE_FAILED
        # validation errors arrive coded (GraphQLLimits); what is left is about variables
        original = error.original_error
        if original is None or isinstance(original, GraphQLError) or error.nodes:
            return BAD_USER_INPUT
        return INTERNAL_SERVER_ERROR

    def public_error(self, error: GraphQLError) -> GraphQLError:
        """The error as clients may see it."""
        code = self.classify(error)
        if code == INTERNAL_SERVER_ERROR and self.production:
            masked = self.anonymise_error(error)
            return with_code(masked, INTERNAL_SERVER_ERROR)
        message = without_suggestions(error.message) if self.production else error.message
        if message == error.message and (error.extensions or {}).get("code") == code:
            return error
        return with_code(error, code, message)


__all__ = [
    "BAD_REQUEST",
    "BAD_USER_INPUT",
    "GRAPHQL_PARSE_FAILED",
    "INTERNAL_SERVER_ERROR",
    "MASKED_MESSAGE",
    "PUBLIC_CODES",
    "ErrorPolicy",
    "ensure_code",
    "is_parse_limit",
    "with_code",
    "without_suggestions",
]
