"""The event catalogue: every event type the platform publishes, by its CloudEvents type name."""

from npd_contracts import (
    benchmark,
    contact,
    groups,
    meetings,
    membership,
    mobility,
    notifications,
    people,
    pilots,
    positions,
    practices,
)
from npd_contracts.base import EventData

EVENT_TYPES: dict[str, type[EventData]] = {
    cls.TYPE: cls
    for cls in (
        membership.OrganisationApplied,
        membership.OrganisationRejected,
        membership.MemberJoined,
        membership.OrganisationProfileChanged,
        membership.MemberSuspended,
        membership.MemberReinstated,
        membership.MemberLeft,
        people.PersonRegistered,
        people.PersonProfileChanged,
        people.PersonRoleGranted,
        people.PersonRoleRevoked,
        people.PersonLeft,
        people.PersonErased,
        people.PersonJoinedGroup,
        people.PersonGroupRoleChanged,
        people.PersonLeftGroup,
        groups.GroupCreated,
        groups.GroupChanged,
        groups.GroupArchived,
        contact.PersonContactChanged,
        notifications.NotificationDelivered,
        notifications.NotificationFailed,
        notifications.WebhookEndpointDisabled,
        meetings.MeetingScheduled,
        meetings.MeetingRescheduled,
        meetings.MeetingChanged,
        meetings.MeetingCancelled,
        meetings.GuestChairAssigned,
        meetings.GuestChairDeclined,
        meetings.RegistrationConfirmed,
        meetings.Waitlisted,
        meetings.WaitlistOffered,
        meetings.WaitlistPromoted,
        meetings.RegistrationCancelled,
        meetings.AttendanceRecorded,
        meetings.ReportPublished,
        meetings.CallForPapersOpened,
        meetings.CallForPapersClosed,
        meetings.PaperSubmitted,
        meetings.PaperDecided,
        meetings.ProgrammePublished,
        benchmark.BenchmarkCycleOpened,
        benchmark.OrganisationInvited,
        benchmark.SubmissionReminded,
        benchmark.BenchmarkCycleClosed,
        benchmark.BenchmarkResultsPublished,
        benchmark.SubmissionReceived,
        benchmark.SubmissionReturned,
        benchmark.SubmissionFinalised,
        practices.PracticeShared,
        practices.PracticeUpdated,
        practices.PracticeWithdrawn,
        pilots.PilotRegistered,
        pilots.PilotUpdated,
        pilots.PilotFollowed,
        pilots.PilotUnfollowed,
        pilots.PilotAdoptionChanged,
        positions.PositionDrafted,
        positions.PositionRevised,
        positions.PositionCirculated,
        positions.PositionEndorsed,
        positions.PositionAbstained,
        positions.PositionReminderDue,
        positions.PositionPublished,
        mobility.OpportunityPublished,
        mobility.InterestExpressed,
        mobility.OpportunityClosed,
    )
}


class UnknownEventType(LookupError):
    pass


def event_class(type_name: str) -> type[EventData]:
    try:
        return EVENT_TYPES[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}") from None
