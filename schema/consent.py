"""Root fields of data authorisations; the enterprise's `consents` and `dataAccessLog` are
fields of `Enterprise`."""

from __future__ import annotations

import strawberry

import resolvers.consent
from schema.types.consent import ConsentPayload


@strawberry.type
class ConsentMutation:
    grant_consent: ConsentPayload = strawberry.mutation(
        resolver=resolvers.consent.grant_consent,
        description="Grant and sign a data authorisation for your enterprise (verified users). "
        "Honours Idempotency-Key.",
    )
    revoke_consent: ConsentPayload = strawberry.mutation(
        resolver=resolvers.consent.revoke_consent,
        description="Revoke a consent of your enterprise: no new application data is pulled; "
        "monitoring of an outstanding loan continues under its contract.",
    )
