from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_world_revision')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(db_index=True, max_length=300)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_attempt', 'app': 'models', 'indexes': [Index(fields=['key', 'at'])], 'pk_attr': 'id', 'table_description': 'A failed login, for the sliding-window limits per client address and per account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RefreshToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='refresh_tokens', on_delete=OnDelete.CASCADE)),
                ('family', fields.CharField(db_index=True, max_length=64)),
                ('token_hash', fields.CharField(unique=True, max_length=128)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('replaced_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'refresh_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One refresh token of a session; using it replaces it by the next one of its family.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RevokedSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('family', fields.CharField(unique=True, max_length=64)),
                ('user_id', fields.IntField(db_index=True)),
                ('revoked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(max_length=64)),
            ],
            options={'table': 'revoked_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A session ended before its access tokens expire (logout, reuse of a refresh token,'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='sessions_valid_after',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='totp_confirmed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='totp_last_step',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='User',
            name='totp_secret',
            field=fields.CharField(null=True, max_length=512),
        ),
        ops.RemoveField(model_name='User', name='certificate_pem'),
        ops.RemoveField(model_name='User', name='private_key_pem'),
    ]
