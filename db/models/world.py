"""The outside world as the bank knows it: registration, patents, litigation, tax, events."""

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
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "enterprise"


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

    class Meta:
        table = "relation"
        unique_together = (("kind", "src", "dst", "role"),)


class Patent(Model):
    """A patent and its legal state (publication number is the natural key)."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    owner_id: int | None
    owner: fields.ForeignKeyNullableRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="patents", null=True, on_delete=fields.SET_NULL
    )
    title = fields.CharField(max_length=300)
    ipc = fields.CharField(max_length=32, null=True)
    kind = fields.CharField(max_length=16)
    filed_on = fields.DateField(null=True)
    granted_on = fields.DateField(null=True)
    status = fields.CharField(max_length=16)
    claims = fields.IntField(null=True)
    independent_claims = fields.IntField(null=True)
    inventors = fields.IntField(null=True)
    family_size = fields.IntField(null=True)
    transfers = fields.IntField(default=0)
    licenses = fields.IntField(default=0)
    pledged = fields.BooleanField(default=False)
    annuity_paid_through = fields.DateField(null=True)
    transaction_price = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    forward_citations = fields.IntField(default=0)
    extra: Any = fields.JSONField(default=dict)

    class Meta:
        table = "patent"


class PatentCitation(Model):
    """`citing` cites `cited` (both patent numbers; the cited one may be outside the world)."""

    id = fields.IntField(primary_key=True)
    citing = fields.CharField(max_length=32, db_index=True)
    cited = fields.CharField(max_length=32, db_index=True)

    class Meta:
        table = "patent_citation"
        unique_together = (("citing", "cited"),)


class Litigation(Model):
    """A court case (case number is the natural key)."""

    id = fields.IntField(primary_key=True)
    case_no = fields.CharField(max_length=64, unique=True)
    court = fields.CharField(max_length=100, null=True)
    filed_on = fields.DateField(null=True)
    closed_on = fields.DateField(null=True)
    cause = fields.CharField(max_length=32)
    amount = fields.DecimalField(max_digits=20, decimal_places=2, null=True)
    status = fields.CharField(max_length=16)
    outcome = fields.CharField(max_length=16, null=True)
    extra: Any = fields.JSONField(default=dict)

    class Meta:
        table = "litigation"


class LitigationParty(Model):
    """An enterprise's role in a case, kept in the order given."""

    id = fields.IntField(primary_key=True)
    litigation_id: int
    litigation: fields.ForeignKeyRelation[Litigation] = fields.ForeignKeyField(
        "models.Litigation", related_name="parties", on_delete=fields.CASCADE
    )
    enterprise_id: int
    enterprise: fields.ForeignKeyRelation[Enterprise] = fields.ForeignKeyField(
        "models.Enterprise", related_name="litigation_parties", on_delete=fields.CASCADE
    )
    role = fields.CharField(max_length=16)
    position = fields.IntField(default=0)

    class Meta:
        table = "litigation_party"


class LitigationPatent(Model):
    """A patent a case is about."""

    id = fields.IntField(primary_key=True)
    litigation_id: int
    litigation: fields.ForeignKeyRelation[Litigation] = fields.ForeignKeyField(
        "models.Litigation", related_name="patent_links", on_delete=fields.CASCADE
    )
    patent_id: int
    patent: fields.ForeignKeyRelation[Patent] = fields.ForeignKeyField(
        "models.Patent", related_name="litigation_links", on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0)

    class Meta:
        table = "litigation_patent"


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


class Event(Model):
    """A signal about an enterprise (event id is the natural key: replays change nothing)."""

    id = fields.IntField(primary_key=True)
    event_id = fields.CharField(max_length=128, unique=True)
    uscc = fields.CharField(max_length=18, db_index=True)
    occurred_at = fields.DatetimeField(db_index=True)
    type = fields.CharField(max_length=32)
    payload: Any = fields.JSONField(default=dict)
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)
    source = fields.CharField(max_length=16, default="import")

    class Meta:
        table = "event"


class Outcome(Model):
    """A default label for training and back-testing."""

    id = fields.IntField(primary_key=True)
    uscc = fields.CharField(max_length=18, db_index=True)
    defaulted = fields.BooleanField()
    as_of = fields.DateField()
    default_date = fields.DateField(null=True)

    class Meta:
        table = "outcome"
        unique_together = (("uscc", "as_of"),)
