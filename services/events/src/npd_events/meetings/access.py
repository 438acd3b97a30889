"""Who may do what with meetings, from the caller's principal (membership's roles and groups).

Network admins and the board schedule meetings without a host group (network, board, residents' meetings,
conferences) and series of them; a group's chairs (and network admins) schedule their group's meetings; an
organisation's admins manage its venues. Who may attend follows the meeting's audience.
"""

from uuid import UUID

from npd_runtime import Principal, Role

from npd_events.meetings.domain import Audience, Meeting


class NotAnOrganiser(PermissionError):
    def __init__(self, host_group_id: UUID | None) -> None:
        who = (
            f"the chairs of group {host_group_id} and network admins"
            if host_group_id is not None
            else "network admins and board members"
        )
        super().__init__(f"only {who} schedule and change these meetings")


class NotTheVenuesAdmin(PermissionError):
    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"only admins of organisation {organisation_id} and network admins manage its venues")


class NotInAudience(PermissionError):
    def __init__(self, meeting: Meeting) -> None:
        who = {
            Audience.GROUP: f"members of group {meeting.host_group_id}",
            Audience.BOARD: "board members",
            Audience.NETWORK: "people of the network",
            Audience.PUBLIC: "anyone",
        }[meeting.audience]
        super().__init__(f"meeting {meeting.id} is for {who}")


def may_organise(principal: Principal, host_group_id: UUID | None) -> bool:
    if principal.is_network_admin:
        return True
    if host_group_id is None:
        return principal.has(Role.BOARD_MEMBER)
    return principal.chairs(host_group_id)


def require_organiser(principal: Principal, host_group_id: UUID | None) -> None:
    if not may_organise(principal, host_group_id):
        raise NotAnOrganiser(host_group_id)


def require_venue_admin(principal: Principal, organisation_id: UUID) -> None:
    if not principal.administers(organisation_id):
        raise NotTheVenuesAdmin(organisation_id)


def in_audience(principal: Principal, meeting: Meeting) -> bool:
    """May this person register: the audience includes them."""
    match meeting.audience:
        case Audience.PUBLIC:
            return True
        case Audience.NETWORK:
            return principal.in_network
        case Audience.BOARD:
            in_board_group = meeting.host_group_id is not None and principal.in_group(meeting.host_group_id)
            return principal.has(Role.BOARD_MEMBER) or in_board_group
        case Audience.GROUP:
            return meeting.host_group_id is not None and principal.in_group(meeting.host_group_id)


def require_audience(principal: Principal, meeting: Meeting) -> None:
    if not in_audience(principal, meeting):
        raise NotInAudience(meeting)


def may_see(principal: Principal, meeting: Meeting) -> bool:
    """The network's agenda is open to its people; public meetings to anyone."""
    return meeting.audience is Audience.PUBLIC or principal.in_network or in_audience(principal, meeting)
