"""The PostgreSQL migrations describe the models exactly (a model change needs a migration)."""

from __future__ import annotations

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from db.connection import tortoise_config


async def test_models_have_no_unmigrated_changes() -> None:
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()  # type: ignore[arg-type]
    assert writers == [], "run: tortoise -c db.tortoise_orm.TORTOISE_ORM makemigrations"
