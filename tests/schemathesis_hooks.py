"""Schemathesis strategies for our custom scalars (loaded through SCHEMATHESIS_HOOKS)."""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

schemathesis.graphql.scalar(
    "Decimal",
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False).map(
        lambda d: nodes.String(str(d))
    ),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
        lambda d: nodes.String(d.isoformat())
    ),
)
schemathesis.graphql.scalar("Date", st.dates().map(lambda d: nodes.String(d.isoformat())))
schemathesis.graphql.scalar("JSON", st.just(nodes.Object([])))
