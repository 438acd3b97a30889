"""Who may do what in the benchmark, decided per object. Raw values are an organisation's own: its people
(and a person it delegated to) see them; nobody else does, network admins included."""

from npd_runtime import Principal, Role

from npd_benchmark.cycles.domain import Submission


def may_submit(principal: Principal, sub: Submission) -> bool:
    """Its org admin, or the person the org admin delegated the submission to in this cycle."""
    own_admin = principal.has(Role.ORG_ADMIN) and principal.org_id == sub.organisation_id
    return own_admin or (sub.delegate_person_id is not None and principal.person_id == sub.delegate_person_id)


def sees_values(principal: Principal, sub: Submission) -> bool:
    """The organisation's own people, and its delegate."""
    own = principal.in_network and principal.org_id == sub.organisation_id
    return own or (sub.delegate_person_id is not None and principal.person_id == sub.delegate_person_id)


def sees_submission(principal: Principal, sub: Submission) -> bool:
    """Its status (not its values) is the network admins' business too: they review submissions."""
    return principal.is_network_admin or sees_values(principal, sub)
