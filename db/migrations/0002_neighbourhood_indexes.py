from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Enterprise',
            index=Index(fields=['region', 'founded_on']),
        ),
        ops.AddIndex(
            model_name='Enterprise',
            index=Index(fields=['industry', 'founded_on']),
        ),
        ops.AlterField(
            model_name='LitigationParty',
            name='enterprise',
            field=fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_index=True, db_constraint=True, to_field='id', related_name='litigation_parties', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='LitigationParty',
            name='litigation',
            field=fields.ForeignKeyField('models.Litigation', source_field='litigation_id', db_index=True, db_constraint=True, to_field='id', related_name='parties', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='LitigationPatent',
            name='litigation',
            field=fields.ForeignKeyField('models.Litigation', source_field='litigation_id', db_index=True, db_constraint=True, to_field='id', related_name='patent_links', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='LitigationPatent',
            name='patent',
            field=fields.ForeignKeyField('models.Patent', source_field='patent_id', db_index=True, db_constraint=True, to_field='id', related_name='litigation_links', on_delete=OnDelete.CASCADE),
        ),
        ops.AlterField(
            model_name='Patent',
            name='owner',
            field=fields.ForeignKeyField('models.Enterprise', source_field='owner_id', null=True, db_index=True, db_constraint=True, to_field='id', related_name='patents', on_delete=OnDelete.SET_NULL),
        ),
    ]
