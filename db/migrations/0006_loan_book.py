from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0005_sessions_second_factor_event_certificates')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BusinessDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('business_date', fields.DateField(unique=True)),
                ('status', fields.CharField(max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('loans', fields.IntField(default=0)),
                ('summary', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'business_day', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One run of the end-of-day batch for a business date.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JournalEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('loan', fields.ForeignKeyField('models.Loan', source_field='loan_id', null=True, db_constraint=True, to_field='id', related_name='journal', on_delete=OnDelete.RESTRICT)),
                ('kind', fields.CharField(max_length=16)),
                ('business_date', fields.DateField(db_index=True)),
                ('posted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=254)),
                ('memo', fields.CharField(default='', max_length=300)),
                ('key', fields.CharField(null=True, unique=True, max_length=120)),
                ('reverses_id', fields.IntField(null=True)),
            ],
            options={'table': 'journal_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One balanced posting.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JournalLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('models.JournalEntry', source_field='entry_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('loan_id', fields.IntField(null=True)),
                ('account', fields.CharField(max_length=32)),
                ('debit', fields.DecimalField(default=0, max_digits=20, decimal_places=2)),
                ('credit', fields.DecimalField(default=0, max_digits=20, decimal_places=2)),
            ],
            options={'table': 'journal_line', 'app': 'models', 'indexes': [Index(fields=['loan_id', 'account']), Index(fields=['account', 'loan_id'])], 'pk_attr': 'id', 'table_description': 'One debit or credit of an entry (exactly one of the two is non-zero).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoanChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('loan', fields.ForeignKeyField('models.Loan', source_field='loan_id', db_constraint=True, to_field='id', related_name='changes', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='PENDING', db_index=True, max_length=16)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('reason', fields.TextField(unique=False)),
                ('requested_by', fields.CharField(max_length=254)),
                ('requested_by_id', fields.IntField()),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=254)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_comment', fields.TextField(null=True, unique=False)),
                ('result', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'loan_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A change to a loan one staff member asked for and another must approve (maker-checker):'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoanMonthEnd',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('loan', fields.ForeignKeyField('models.Loan', source_field='loan_id', db_constraint=True, to_field='id', related_name='month_ends', on_delete=OnDelete.CASCADE)),
                ('month', fields.DateField(db_index=True)),
                ('status', fields.CharField(max_length=24)),
                ('classification', fields.CharField(max_length=16)),
                ('days_past_due', fields.IntField()),
                ('principal_outstanding', fields.DecimalField(max_digits=20, decimal_places=2)),
                ('outstanding', fields.DecimalField(max_digits=20, decimal_places=2)),
            ],
            options={'table': 'loan_month_end', 'app': 'models', 'unique_together': (('loan', 'month'),), 'pk_attr': 'id', 'table_description': 'A loan as the end-of-day batch left it on the last day of a month: the history behind'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoanStatusChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('loan', fields.ForeignKeyField('models.Loan', source_field='loan_id', db_constraint=True, to_field='id', related_name='status_changes', on_delete=OnDelete.CASCADE)),
                ('from_status', fields.CharField(max_length=24)),
                ('to_status', fields.CharField(max_length=24)),
                ('event', fields.CharField(max_length=32)),
                ('business_date', fields.DateField(null=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=254)),
                ('reason', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'loan_status_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One move of a loan from one status to another (history, beside the audit log).'},
            bases=['Model'],
        ),
        ops.RemoveConstraint(
            model_name='Installment',
            name=None,
            fields=['loan', 'number'],
        ),
        ops.AlterModelOptions(
            name='Installment',
            options={'table': 'installment', 'app': 'models', 'unique_together': (('loan', 'version', 'number'),), 'pk_attr': 'id', 'table_description': "One scheduled repayment of one version of a loan's schedule."},
        ),
        ops.AddField(
            model_name='Installment',
            name='accrued_interest',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='Installment',
            name='starts_on',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Installment',
            name='version',
            field=fields.IntField(default=1),
        ),
        ops.AddConstraint(
            model_name='Installment',
            constraint=UniqueConstraint(fields=('loan', 'version', 'number'), name=None),
        ),
        ops.AlterModelOptions(
            name='Loan',
            options={'table': 'loan', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Money lent: principal, rate, balances by kind, days past due and classification.'},
        ),
        ops.AlterField(
            model_name='Loan',
            name='classification',
            field=fields.CharField(default='NORMAL', db_index=True, max_length=16),
        ),
        ops.AlterField(
            model_name='Loan',
            name='status',
            field=fields.CharField(default='ACTIVE', db_index=True, max_length=24),
        ),
        ops.AddField(
            model_name='Loan',
            name='classification_reason',
            field=fields.CharField(default='', max_length=300),
        ),
        ops.AddField(
            model_name='Loan',
            name='closed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Loan',
            name='closed_through',
            field=fields.DateField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name='Loan',
            name='credit_balance',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='Loan',
            name='days_past_due',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Loan',
            name='fee_outstanding',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='Loan',
            name='interest_outstanding',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='Loan',
            name='manual_classification',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Loan',
            name='manual_classification_reason',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Loan',
            name='penalty_outstanding',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='Loan',
            name='penalty_surcharge',
            field=fields.DecimalField(default=0.5, max_digits=8, decimal_places=6),
        ),
        ops.AddField(
            model_name='Loan',
            name='principal_outstanding',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='Loan',
            name='restructured',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Loan',
            name='schedule_version',
            field=fields.IntField(default=1),
        ),
        ops.AddField(
            model_name='Loan',
            name='written_off_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Loan',
            name='written_off_outstanding',
            field=fields.DecimalField(default=0, max_digits=20, decimal_places=2),
        ),
        ops.AddField(
            model_name='LoanProduct',
            name='servicing',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AlterModelOptions(
            name='Repayment',
            options={'table': 'repayment', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Money received against a loan, and how it was allocated.'},
        ),
        ops.AddField(
            model_name='Repayment',
            name='allocation',
            field=fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Repayment',
            name='business_date',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Repayment',
            name='journal_entry_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Repayment',
            name='kind',
            field=fields.CharField(default='REPAYMENT', max_length=16),
        ),
        ops.AddField(
            model_name='Repayment',
            name='reversal_reason',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Repayment',
            name='reversed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Repayment',
            name='reversed_by',
            field=fields.CharField(null=True, max_length=254),
        ),
        # loans disbursed before this migration: their outstanding was the principal still owed
        ops.RunSQL("UPDATE loan SET principal_outstanding = outstanding"),
    ]
