"""`ipcredit serve`: the API under uvicorn."""

from __future__ import annotations

import argparse

from cli.common import Subparsers


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API with uvicorn."""
    import uvicorn

    from app import create_app

    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,
        ws_max_size=1_048_576,
    )
    return 0


def register(sub: Subparsers) -> None:
    """Add `serve`."""
    serve = sub.add_parser("serve", help="serve the GraphQL API (GraphiQL in development)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.set_defaults(func=cmd_serve)
