from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_credit_lines')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ActivationRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('name', fields.CharField(max_length=64)),
                ('version', fields.CharField(max_length=64)),
                ('status', fields.CharField(default='PENDING', db_index=True, max_length=16)),
                ('reason', fields.TextField(default='', unique=False)),
                ('evidence', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('requested_by', fields.CharField(max_length=254)),
                ('requested_by_id', fields.IntField()),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=254)),
                ('decided_by_id', fields.IntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_comment', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'activation_request', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One person asks to activate a version; another approves (or rejects) it.'},
            bases=['Model'],
        ),
    ]
