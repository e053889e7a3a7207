from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from db.models.application import ApplicationStatus
from db.models.consent import ConsentPurpose, DataSource
from db.models.kyb import ChallengeStatus
from db.models.user import VerificationStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_neighbourhood_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Consent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='consents', on_delete=OnDelete.RESTRICT)),
                ('granted_by', fields.ForeignKeyField('models.User', source_field='granted_by_id', db_constraint=True, to_field='id', related_name='consents_granted', on_delete=OnDelete.RESTRICT)),
                ('sources', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('purposes', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('valid_from', fields.DateField()),
                ('valid_until', fields.DateField()),
                ('document_path', fields.CharField(null=True, max_length=512)),
                ('document_sha256', fields.CharField(null=True, max_length=64)),
                ('signed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_by', fields.CharField(null=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'consent', 'app': 'models', 'pk_attr': 'id', 'table_description': "An enterprise's signed authorisation to pull the named sources for the named purposes."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DataAccess',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='data_accesses', on_delete=OnDelete.RESTRICT)),
                ('consent', fields.ForeignKeyField('models.Consent', source_field='consent_id', null=True, db_constraint=True, to_field='id', related_name='accesses', on_delete=OnDelete.RESTRICT)),
                ('source', fields.CharEnumField(description='REGISTRATION: REGISTRATION\nJUDICIAL: JUDICIAL\nTAX: TAX\nPATENTS: PATENTS\nFINANCIALS: FINANCIALS\nCREDIT_BUREAU: CREDIT_BUREAU', enum_type=DataSource, max_length=16)),
                ('purpose', fields.CharEnumField(description='APPLICATION: APPLICATION\nMONITORING: MONITORING', enum_type=ConsentPurpose, max_length=16)),
                ('actor', fields.CharField(max_length=254)),
                ('outcome', fields.CharField(max_length=16)),
                ('basis', fields.CharField(default='CONSENT', max_length=32)),
                ('detail', fields.TextField(null=True, unique=False)),
                ('request_id', fields.CharField(null=True, max_length=64)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'data_access', 'app': 'models', 'indexes': [Index(fields=['enterprise_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One pull (or refused pull) of one source about one enterprise: who, what, when, under'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('invited_by', fields.ForeignKeyField('models.User', source_field='invited_by_id', db_constraint=True, to_field='id', related_name='invitations_sent', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(max_length=128)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'invitation', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An enterprise administrator invites a colleague (by email) to act for the enterprise.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VerificationChallenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='verification_challenges', on_delete=OnDelete.CASCADE)),
                ('enterprise', fields.ForeignKeyField('models.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='verification_challenges', on_delete=OnDelete.CASCADE)),
                ('deposit_amount', fields.DecimalField(max_digits=8, decimal_places=2)),
                ('code_hash', fields.CharField(max_length=128)),
                ('attempts', fields.IntField(default=0)),
                ('status', fields.CharEnumField(default=ChallengeStatus.PENDING, description='PENDING: PENDING\nCONFIRMED: CONFIRMED\nFAILED: FAILED\nEXPIRED: EXPIRED\nSUPERSEDED: SUPERSEDED', enum_type=ChallengeStatus, max_length=12)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'verification_challenge', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A micro-deposit to the settlement account on record and a code sent to the legal'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Enterprise',
            name='legal_rep_contact',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='settlement_account',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AlterField(
            model_name='LoanApplication',
            name='status',
            field=fields.CharEnumField(default='DRAFT', description='DRAFT: DRAFT\nSUBMITTED: SUBMITTED\nWAITING_FOR_DATA: WAITING_FOR_DATA\nASSESSING: ASSESSING\nMANUAL_REVIEW: MANUAL_REVIEW\nAPPROVED: APPROVED\nREJECTED: REJECTED\nOFFER_ACCEPTED: OFFER_ACCEPTED\nCONTRACT_SIGNED: CONTRACT_SIGNED\nDISBURSED: DISBURSED\nWITHDRAWN: WITHDRAWN', enum_type=ApplicationStatus, max_length=20),
        ),
        ops.AddField(
            model_name='LoanApplication',
            name='data_attempts',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='LoanApplication',
            name='data_error',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='LoanApplication',
            name='data_retry_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RemoveConstraint(
            model_name='Relation',
            name=None,
            fields=['kind', 'src', 'dst', 'role'],
        ),
        ops.AddField(
            model_name='Relation',
            name='fingerprint',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
        ops.AddIndex(
            model_name='Relation',
            index=Index(fields=['kind', 'src', 'dst']),
        ),
        ops.AddField(
            model_name='User',
            name='enterprise_admin',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='User',
            name='verification',
            field=fields.CharEnumField(default=VerificationStatus.UNVERIFIED, description='UNVERIFIED: UNVERIFIED\nVERIFIED: VERIFIED\nREVOKED: REVOKED', enum_type=VerificationStatus, max_length=12),
        ),
        ops.AddField(
            model_name='User',
            name='verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
