from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_loan_book')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.IntField()),
                ('head_hash', fields.CharField(max_length=64)),
                ('payload', fields.TextField(unique=False)),
                ('signature', fields.TextField(unique=False)),
                ('key_id', fields.CharField(max_length=128)),
                ('signed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_checkpoint', 'app': 'models', 'pk_attr': 'id', 'table_description': "The chain's head at a moment, signed with the bank's signing key: a database"},
            bases=['Model'],
        ),
    ]
