"""Post-loan monitoring: events, warning rules, contagion, the outbox and live feeds."""
