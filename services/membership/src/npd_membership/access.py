"""What a caller may do, read from membership's own tables (the source of truth every other service's read
model follows), and the network admins membership starts with.
"""

from collections.abc import Awaitable, Callable, Sequence

from npd_runtime import Query
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from npd_membership.people import service as people

# One round trip: the person, their roles and their active group memberships as (kind, id, role) rows,
# the shape npd_runtime.access_of reads. Nothing is returned for a person who is not active.
_LOAD = text(
    "SELECT 'person', CAST(p.organisation_id AS text), CAST(NULL AS text) FROM people p "
    "WHERE p.id = :person_id AND p.status = 'active' "
    "UNION ALL SELECT 'role', CAST(r.organisation_id AS text), r.role FROM person_roles r "
    "JOIN people p ON p.id = r.person_id AND p.status = 'active' WHERE r.person_id = :person_id "
    "UNION ALL SELECT 'group', CAST(g.group_id AS text), g.role FROM group_members g "
    "JOIN people p ON p.id = g.person_id AND p.status = 'active' "
    "WHERE g.person_id = :person_id AND g.status = 'active'"
)


ACCESS = Query(_LOAD)
"""Membership's access query (ServiceSpec.access)."""


def network_admins(subjects: Sequence[str]) -> Callable[[AsyncSession], Awaitable[None]]:
    """Start-up work: each configured subject is in the network as a network admin (MEMBERSHIP_NETWORK_ADMINS),
    with the events that tell the other services so."""

    async def ensure(session: AsyncSession) -> None:
        for subject in subjects:
            await people.ensure_network_admin(session, subject)

    return ensure
