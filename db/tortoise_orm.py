"""The Tortoise config for the `tortoise` migration command line.

`DATABASE_URL=postgres://... tortoise -c db.tortoise_orm.TORTOISE_ORM migrate`; new migrations
after a model change: `tortoise -c db.tortoise_orm.TORTOISE_ORM makemigrations`.
"""

from __future__ import annotations

import os

from db.connection import tortoise_config

TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "sqlite://:memory:"))
