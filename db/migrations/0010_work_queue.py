from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_model_governance')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AuditEntry',
            index=Index(fields=['entity_type', 'entity_id']),
        ),
        ops.AddField(
            model_name='LoanApplication',
            name='assigned_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='LoanApplication',
            name='assigned_to_id',
            field=fields.IntField(null=True, db_index=True),
        ),
    ]
