"""Rules predicates and permissions: the only place permission logic lives."""
