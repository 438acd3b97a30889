"""People API (/v1/me, /v1/people, /v1/organisations/{id}/invitations, /v1/invitations): joining by
invitation, roles, profile, leaving and erasure. Who may do what is decided here, per object.
"""

from npd_runtime import NOT_FOUND, Problems, ProblemType

from npd_membership.people import domain, service

_CONFLICT = "Conflict with the current state"
PROBLEMS: Problems = {
    service.PersonNotFound: NOT_FOUND,
    service.AlreadyRegistered: ProblemType(409, "already-registered", _CONFLICT),
    service.HasAnotherOrganisation: ProblemType(409, "has-another-organisation", _CONFLICT),
    domain.PersonRefused: ProblemType(409, "person-refused", _CONFLICT),
    domain.NotActive: ProblemType(409, "person-not-active", _CONFLICT),
    domain.RoleNotForNetworkStaff: ProblemType(409, "role-needs-an-organisation", _CONFLICT),
    domain.AlreadyHoldsRole: ProblemType(409, "already-holds-role", _CONFLICT),
    domain.DoesNotHoldRole: ProblemType(409, "does-not-hold-role", _CONFLICT),
    domain.InvitationClosed: ProblemType(409, "invitation-closed", _CONFLICT),
    domain.InvitationExpired: ProblemType(410, "invitation-expired", "The invitation has expired"),
}
