"""Query lookups the ORM lacks."""

from typing import Any

from django.db.models.lookups import In


class IdIn(In):
    """`field IN (ids)`, sent to PostgreSQL as `field = ANY(%s)` with the ids as one array
    parameter: hundreds of ids as separate parameters cost more to prepare and send than the
    small queries they filter take to run. Use as ``filter(IdIn(F("agent_id"), ids))``."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(value) for value in self.rhs if value is not None]
        return f"{lhs} = ANY(%s)", [*lhs_params, ids]
