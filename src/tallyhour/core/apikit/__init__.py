"""What every app's Ninja router shares: the error format, common schemas, OpenAPI examples,
ETag/If-Match helpers and id lookups. The API itself is assembled in `tallyhour.api`."""
