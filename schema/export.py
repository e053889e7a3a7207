"""Write the served schema's SDL (`python -m schema.export schema.graphql`)."""

from __future__ import annotations

import sys
from pathlib import Path

from schema import build_schema


def sdl() -> str:
    """The served schema as SDL, newline-terminated."""
    return build_schema().as_str().rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Write the SDL to the given path (default schema.graphql)."""
    target = Path(argv[0] if argv else "schema.graphql")
    target.write_text(sdl(), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
