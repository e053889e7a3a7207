"""Enterprises and what the registries, tax bureau and statements say of them."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Enterprise(Model):
    """An enterprise known from the business registry (USCC is the natural key)."""

    id = fields.IntField(primary_key=True)
    uscc = fields.CharField(max_length=18, unique=True)
    name = fields.CharField(max_length=200, db_index=True)
    founded_on = fields.DateField(null=True)
    registered_capital = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    industry = fields.CharField(max_length=16, null=True)
    region = fields.CharField(max_length=6, null=True)
    employees = fields.IntField(null=True)
    high_tech = fields.BooleanField(default=False)
    srdi = fields.BooleanField(default=False)
    status = fields.CharField(max_length=16, default="active")
    extra: Any = fields.JSONField(default=dict)
    registered = fields.BooleanField(default=False)
    # on record at the registry; used to verify who registers (micro-deposit, legal rep code)
    settlement_account: Any = fields.JSONField(null=True)
    legal_rep_contact = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "enterprise"
        # peer counts by code among firms founded by a date, read from the index alone
        indexes = (("region", "founded_on"), ("industry", "founded_on"))


class Person(Model):
    """A natural person appearing as officer or shareholder."""

    id = fields.IntField(primary_key=True)
    person_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    extra: Any = fields.JSONField(default=dict)

    class Meta:
        table = "person"


class Relation(Model):
    """A guarantee, shareholding, supply or officer relation (from -> to, by natural keys)."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, db_index=True)
    src = fields.CharField(max_length=64, db_index=True)
    dst = fields.CharField(max_length=64, db_index=True)
    amount = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    ratio = fields.FloatField(null=True)
    role = fields.CharField(max_length=32, null=True)
    since = fields.DateField(null=True)
    extra: Any = fields.JSONField(default=dict)
    # a digest of the whole fact: several guarantees between one pair are distinct facts, the
    # same line twice is one (see domain/world)
    fingerprint = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "relation"
        indexes = (("kind", "src", "dst"),)


class TaxRecord(Model):
    """A tax year: credit rating, revenue, tax paid and arrears."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="tax_records", on_delete=fields.CASCADE
    )
    year = fields.IntField()
    rating = fields.CharField(max_length=2)
    revenue = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    tax_paid = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    arrears = fields.DecimalField(max_digits=20, decimal_places=2, null=True)

    class Meta:
        table = "tax_record"
        unique_together = (("enterprise", "year"),)


class Financial(Model):
    """A financial statement summary for a year (`2024`) or quarter (`2024Q3`)."""

    id = fields.IntField(primary_key=True)
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="financials", on_delete=fields.CASCADE
    )
    period = fields.CharField(max_length=8)
    revenue = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    net_profit = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    total_assets = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    total_liabilities = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    current_assets = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    current_liabilities = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    cash = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    rd_expense = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    operating_cash_flow = fields.DecimalField(max_digits=20, decimal_places=2, null=True)

    class Meta:
        table = "financial"
        unique_together = (("enterprise", "period"),)
