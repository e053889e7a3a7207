from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_verification_consent_facts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WorldRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('revision', fields.IntField(default=0)),
                ('changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'world_revision', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row (id 1): its revision grows with every import that updates world rows in place,'},
            bases=['Model'],
        ),
    ]
