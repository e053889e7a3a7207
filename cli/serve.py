"""`ipcredit serve`: the API under uvicorn.

Without BROKER_URL (the embedded default) the background workers and the sweep scheduler run
in a worker process this command starts before serving, restarts if it dies and stops on the
way out (actors.supervisor); with BROKER_URL they run apart (`ipcredit worker`, `ipcredit
scheduler`) and this process only dispatches the outbox.
"""

from __future__ import annotations

import argparse

from cli.common import Subparsers


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the API with uvicorn."""
    import uvicorn

    from app import create_app

    uvicorn.run(
        create_app(worker_process=True),
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
