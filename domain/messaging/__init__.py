"""Messages out of a transaction: the outbox, its topics, and the publisher to subscribers."""
