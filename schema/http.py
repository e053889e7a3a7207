"""The GraphQL ASGI app: JSON over HTTP, graphql-transport-ws over websockets, hardened.

- HTTP: POST with `application/json` (queries and mutations) or GET (queries only); any
  other method, content type, batch (a JSON array), oversized or malformed body is refused
  with a 4xx and a JSON body `{"errors": [{"message", "extensions": {"code"}}]}`.
- Websockets: graphql-transport-ws only; `connection_init` within the timeout; at most
  `max_subscriptions_per_connection` operations at once (the next one gets an `error`
  message with code LIMIT_EXCEEDED, the connection stays up); malformed messages close the
  socket with 4400 and a reason, never an exception. Each operation runs with a context of
  its own, as does each subscription event (`schema.execution.FreshContextPerOperation`).
- GraphiQL only outside production.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from cross_web import HTTPException, StarletteRequestAdapter
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from schema.limits import BAD_REQUEST, LIMIT_EXCEEDED, LimitConfig
from schema.limits.errors import ensure_code

ContextGetter = Callable[[Request | WebSocket], Awaitable[Any]]
WsConnectHook = Callable[[Any], Awaitable[dict[str, object] | None]]

HTTP_CODES = {413: LIMIT_EXCEEDED}
MAX_CLOSE_REASON_BYTES = 123  # what a websocket close frame can carry
MAX_OPERATION_ID_LENGTH = 128


def error_response(status: int, message: str) -> JSONResponse:
    """A refusal before any GraphQL ran, in the GraphQL error shape."""
    code = HTTP_CODES.get(status, BAD_REQUEST)
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status)


class CappedRequestAdapter(StarletteRequestAdapter):
    """Reads at most `max_bytes` of body, whatever Content-Length claims."""

    def __init__(self, request: Request, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self._body: bytes | None = None

    async def get_body(self) -> bytes:
        """The body, or 413 once it grows past the limit."""
        if self._body is not None:
            return self._body
        too_large = HTTPException(413, f"Request body larger than {self.max_bytes} bytes")
        declared = self.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise HTTPException(400, "Invalid Content-Length")
            if int(declared) > self.max_bytes:
                raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in self._request.stream():
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            chunks.append(chunk)
        self._body = b"".join(chunks)
        return self._body


class LimitedWebSocketAdapter(ASGIWebSocketAdapter):
    """Refuses oversized or non-text messages and keeps close reasons within a frame."""

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        """Decoded messages, until the socket closes or a message is too large."""
        view = self.view
        max_chars = view.limits.max_body_bytes if isinstance(view, HardenedGraphQL) else None
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                try:
                    text = await self.ws.receive_text()
                except KeyError as exc:  # a binary frame
                    raise NonTextMessageReceived from exc
                if max_chars is not None and len(text) > max_chars:
                    await self.close(1009, f"Message larger than {max_chars} characters")
                    return
                try:
                    message = view.decode_json(text)
                except json.JSONDecodeError as exc:
                    if ignore_parsing_errors:
                        continue
                    raise NonJsonMessageReceived from exc
                yield message
        except WebSocketDisconnect:
            pass

    async def close(self, code: int, reason: str) -> None:
        """Close with the reason cut to what the frame can hold."""
        encoded = reason.encode()[:MAX_CLOSE_REASON_BYTES]
        await super().close(code, encoded.decode(errors="ignore"))


class LimitedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, None]):
    """graphql-transport-ws with message shapes checked and a coded subscription cap."""

    async def handle_message(self, message: Message) -> None:
        """Dispatch a well-formed message; close with 4400 on anything else."""
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Refuse one operation too many with an `error` message; the socket stays."""
        limit = self.max_subscriptions_per_connection
        if (
            self.connection_acknowledged
            and limit is not None
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            error = GraphQLError(
                f"At most {limit} operations may run at once on a connection.",
                extensions={"code": LIMIT_EXCEEDED, "limit": "subscriptions", "maximum": limit},
            )
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        await super().handle_subscribe(message)


def message_problem(message: object) -> str | None:
    """Why a graphql-transport-ws message is malformed, or None."""
    if not isinstance(message, dict):
        return "Message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "Message must have a string `type`"
    if kind in ("subscribe", "complete"):
        op_id = message.get("id")
        if not isinstance(op_id, str) or not op_id or len(op_id) > MAX_OPERATION_ID_LENGTH:
            return "Message must have a string `id` of 1 to 128 characters"
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return "Subscribe payload must be an object"
        if not isinstance(payload.get("query"), str):
            return "Subscribe payload must have a string `query`"
        for key, kinds in (("variables", dict), ("extensions", dict), ("operationName", str)):
            value = payload.get(key)
            if value is not None and not isinstance(value, kinds):
                return f"Subscribe payload `{key}` has the wrong type"
    return None


class HardenedGraphQL(GraphQL[Any, None]):
    """strawberry's ASGI GraphQL app with the transport limits; see the module docstring."""

    graphql_transport_ws_handler_class = LimitedTransportWSHandler
    websocket_adapter_class = LimitedWebSocketAdapter  # type: ignore[assignment]

    def __init__(
        self,
        schema: BaseSchema,
        *,
        production: bool,
        limits: LimitConfig,
        context_getter: ContextGetter,
        on_connect: WsConnectHook | None = None,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None if production else "graphiql",
            allow_queries_via_get=True,
            keep_alive=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=limits.connection_init_timeout_s),
            multipart_uploads_enabled=False,
            max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.production = production
        self.limits = limits
        self.context_getter = context_getter
        self.on_connect = on_connect
        self.request_adapter_class = partial(  # type: ignore[assignment]
            CappedRequestAdapter, max_bytes=limits.max_body_bytes
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """HTTP refusals as JSON errors; websockets as strawberry serves them."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        response: Response
        try:
            self.check_request(request)
            response = await self.run_http(request)
        except HTTPException as exc:
            response = error_response(exc.status_code, exc.reason)
        await response(scope, receive, send)

    def check_request(self, request: Request) -> None:
        """Method and content type, before any context is built or body read."""
        if request.method not in ("GET", "POST"):
            raise HTTPException(405, "GraphQL is served over GET and POST only")
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").partition(";")[0]
            if content_type.strip().lower() != "application/json":
                raise HTTPException(415, "Send GraphQL requests as application/json")

    async def run_http(self, request: Request) -> Response:
        """One JSON operation per HTTP request (no batches, streams or uploads here)."""
        adapter = self.request_adapter_class(request)
        if self.should_render_graphql_ide(adapter):
            if self.graphql_ide:
                return await self.render_graphql_ide(request)
            raise HTTPException(404, "Not Found")
        request_data = await self.parse_http_body(adapter)
        assert isinstance(request_data, GraphQLRequestData)
        result = await self.execute_single(
            request=request,
            request_adapter=adapter,
            sub_response=None,
            context=await self.context_getter(request),
            root_value=None,
            request_data=request_data,
        )
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return Response(self.encode_json(response_data), media_type="application/json")

    async def get_context(self, request: Request | WebSocket, response: Any) -> Any:
        """The context from the application's getter."""
        return await self.context_getter(request)

    async def on_ws_connect(self, context: Any) -> Any:
        """The application's connection_init hook (authentication), if any."""
        if self.on_connect is None:
            return await super().on_ws_connect(context)
        return await self.on_connect(context)

    def decode_json(self, data: str | bytes) -> object:
        """JSON, or JSONDecodeError for anything json.loads cannot take calmly."""
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            # too deep, too long a number, bad UTF-8: all are the client's mistakes
            text = data if isinstance(data, str) else ""
            raise json.JSONDecodeError(f"Invalid JSON: {type(exc).__name__}", text, 0) from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """One operation, each field of the right type; batches are refused."""
        data: object
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        else:
            data = self.parse_json(await request.get_body())
        if isinstance(data, list):
            raise HTTPException(400, "Batched requests are not accepted")
        if not isinstance(data, dict):
            raise HTTPException(400, "The request body must be a JSON object")
        fields = (
            ("query", str),
            ("variables", dict),
            ("operationName", str),
            ("extensions", dict),
        )
        for name, kind in fields:
            value = data.get(name)
            if value is not None and not isinstance(value, kind):
                expected = "a string" if kind is str else "an object"
                raise HTTPException(400, f"`{name}` must be {expected} or null")
        return GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
        )

    async def execute_single(  # noqa: PLR0917
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: Any,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries over GET; queries and mutations over POST; subscriptions over websockets."""
        method = request_adapter.method
        allowed = {OperationType.QUERY}
        if method == "POST":
            allowed.add(OperationType.MUTATION)
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(
                    400, "Subscriptions are served over websockets (graphql-transport-ws)"
                ) from exc
            status = 405 if method == "GET" else 400
            raise HTTPException(status, exc.as_http_error_reason(method)) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Last guard: an error that escaped the schema's error policy still gets a code."""
        if result.errors:
            errors = [ensure_code(e, production=self.production) for e in result.errors]
            result = ExecutionResult(data=result.data, errors=errors, extensions=result.extensions)
        return await super().process_result(request, result)


def make_graphql_app(
    schema: BaseSchema,
    *,
    production: bool,
    limits: LimitConfig,
    context_getter: ContextGetter,
    on_connect: WsConnectHook | None = None,
    allowed_origins: Sequence[str] = (),
) -> HardenedGraphQL:
    """The app to mount at /graphql for both HTTP (GET, POST) and websocket routes."""
    return HardenedGraphQL(
        schema,
        production=production,
        limits=limits,
        context_getter=context_getter,
        on_connect=on_connect,
        allowed_origins=allowed_origins,
    )


__all__ = [
    "CappedRequestAdapter",
    "ContextGetter",
    "HardenedGraphQL",
    "LimitedTransportWSHandler",
    "LimitedWebSocketAdapter",
    "error_response",
    "make_graphql_app",
    "message_problem",
]
