"""The REST API's shared conventions: errors, authentication, roles, paging, filters, idempotency, throttling."""
