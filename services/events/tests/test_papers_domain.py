"""The call for papers' rules: opening, submitting, reviewing, deciding, the timetable and erasure."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from npd_events.papers import domain
from npd_events.papers.domain import (
    Call,
    Conference,
    Decision,
    PaperFormat,
    PaperStatus,
    Proposal,
    Session,
)

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
DAY = datetime(2027, 6, 3, 7, 0, tzinfo=UTC)  # 09:00 in Amsterdam
CONFERENCE = Conference(uuid4(), is_conference=True, cancelled=False, starts_at=DAY, ends_at=DAY + timedelta(hours=9))


def a_call(**changes: object) -> Call:
    call = domain.open_call(
        uuid4(),
        CONFERENCE,
        "  Jaarcongres   2027 ",
        "Deel je kennis",
        ["Dienstverlening", "Data", "Data "],
        [PaperFormat.TALK, PaperFormat.WORKSHOP],
        NOW + timedelta(days=30),
        None,
        "admin",
        NOW,
    )
    return replace(call, **changes)  # type: ignore[arg-type]


def proposal(**changes: object) -> Proposal:
    fields: dict[str, object] = {
        "title": "Samen werken aan data",
        "abstract": "Wat wij leerden.",
        "topic": "data",
        "format": PaperFormat.TALK,
        "speaker_ids": (),
    }
    return Proposal(**(fields | changes))  # type: ignore[arg-type]


def closed(call: Call) -> Call:
    result = domain.close(call, NOW + timedelta(days=1))
    assert result is not None
    return result


def accepted(call: Call, *speakers: str) -> domain.Paper:
    paper = domain.submit(call, uuid4(), proposal(speaker_ids=speakers), speakers[0], NOW)
    decided = domain.decide(closed(call), paper, Decision.ACCEPTED, False, "chair", NOW + timedelta(days=2))
    assert decided is not None
    return decided


def session(start_hour: int, hours: int = 1, room: str = "Zaal 1", speakers: tuple[str, ...] = ()) -> Session:
    starts = DAY + timedelta(hours=start_hour)
    return Session(uuid4(), uuid4(), None, "Sessie", room, starts, starts + timedelta(hours=hours), speakers)


# -- opening -------------------------------------------------------------------------------------------


def test_a_call_opens_with_its_topics_once_each_and_normal_spacing() -> None:
    call = a_call()
    assert call.title == "Jaarcongres 2027"
    assert call.topics == ("Dienstverlening", "Data")
    assert domain.is_open(call, NOW)
    assert not domain.is_open(call, NOW + timedelta(days=30))


def test_a_call_without_formats_takes_every_format() -> None:
    call = domain.open_call(uuid4(), CONFERENCE, "C", "", ["Data"], [], NOW + timedelta(days=1), None, "a", NOW)
    assert call.formats == tuple(PaperFormat)


@pytest.mark.parametrize(
    "closes_at",
    [NOW, NOW - timedelta(days=1), DAY, DAY + timedelta(days=1)],
    ids=["now", "past", "at-the-start", "after-the-start"],
)
def test_the_deadline_lies_between_now_and_the_conference(closes_at: datetime) -> None:
    with pytest.raises(domain.DeadlineNotAhead):
        domain.open_call(uuid4(), CONFERENCE, "C", "", ["Data"], [], closes_at, None, "a", NOW)


def test_only_a_conference_that_is_not_cancelled_has_a_call() -> None:
    board = replace(CONFERENCE, is_conference=False)
    with pytest.raises(domain.NotAConference):
        domain.open_call(uuid4(), board, "C", "", [], [], NOW + timedelta(days=1), None, "a", NOW)
    cancelled = replace(CONFERENCE, cancelled=True)
    with pytest.raises(domain.ConferenceCancelled):
        domain.open_call(uuid4(), cancelled, "C", "", [], [], NOW + timedelta(days=1), None, "a", NOW)


def test_closing_early_closes_now_and_closing_again_announces_nothing() -> None:
    call = closed(a_call())
    assert call.closed_at == NOW + timedelta(days=1)
    assert domain.close(call, NOW + timedelta(days=5)) is None


def test_a_call_found_past_its_deadline_closed_at_the_deadline() -> None:
    call = a_call()
    later = domain.close(call, NOW + timedelta(days=90))
    assert later is not None and later.closed_at == call.closes_at


# -- submitting ------------------------------------------------------------------------------------------


def test_a_proposal_takes_the_calls_spelling_of_its_topic_and_the_submitter_speaks() -> None:
    paper = domain.submit(a_call(), uuid4(), proposal(topic=" DATA "), "ann", NOW)
    assert paper.topic == "Data"
    assert paper.speaker_ids == ("ann",)
    assert paper.submitter_id == "ann"
    assert paper.status is PaperStatus.SUBMITTED


def test_named_speakers_speak_once_each() -> None:
    paper = domain.submit(a_call(), uuid4(), proposal(speaker_ids=("bob", "cas", "bob")), "ann", NOW)
    assert paper.speaker_ids == ("bob", "cas")


def test_submitting_after_the_deadline_or_after_closing_is_refused() -> None:
    call = a_call()
    with pytest.raises(domain.CallClosed):
        domain.submit(call, uuid4(), proposal(), "ann", call.closes_at)
    with pytest.raises(domain.CallClosed):
        domain.submit(closed(call), uuid4(), proposal(), "ann", NOW + timedelta(days=2))


def test_a_proposal_keeps_to_the_calls_topics_formats_and_speaker_limit() -> None:
    call = a_call()
    with pytest.raises(domain.UnknownTopic):
        domain.submit(call, uuid4(), proposal(topic="Sport"), "ann", NOW)
    with pytest.raises(domain.FormatNotOffered):
        domain.submit(call, uuid4(), proposal(format=PaperFormat.PANEL), "ann", NOW)
    many = tuple(f"p{i}" for i in range(domain.MAX_SPEAKERS + 1))
    with pytest.raises(domain.TooManySpeakers):
        domain.submit(call, uuid4(), proposal(speaker_ids=many), "ann", NOW)


def test_a_proposal_is_withdrawn_only_while_undecided() -> None:
    call = a_call()
    paper = domain.submit(call, uuid4(), proposal(), "ann", NOW)
    assert domain.withdraw(call, paper, NOW).status is PaperStatus.WITHDRAWN
    with pytest.raises(domain.PaperDecided):
        domain.withdraw(call, accepted(call, "ann"), NOW)


# -- reviewing -------------------------------------------------------------------------------------------


def test_a_reviewer_never_reviews_a_proposal_they_submitted_or_speak_in() -> None:
    paper = domain.submit(a_call(), uuid4(), proposal(speaker_ids=("bob",)), "ann", NOW)
    for person in ("ann", "bob"):
        with pytest.raises(domain.OwnPaper):
            domain.assign(uuid4(), paper, None, person, NOW)
    assignment = domain.assign(uuid4(), paper, None, "rev", NOW)
    assert assignment is not None
    with pytest.raises(domain.OwnPaper):
        domain.review(paper, replace(assignment, reviewer_id="ann"), "ann", 5, "", NOW)


def test_assigning_the_same_reviewer_twice_changes_nothing() -> None:
    paper = domain.submit(a_call(), uuid4(), proposal(), "ann", NOW)
    first = domain.assign(uuid4(), paper, None, "rev", NOW)
    assert domain.assign(uuid4(), paper, first, "rev", NOW) is None


def test_only_an_assigned_reviewer_scores_1_to_5_and_may_rescore_until_the_decision() -> None:
    call = a_call()
    paper = domain.submit(call, uuid4(), proposal(), "ann", NOW)
    with pytest.raises(domain.NotAssigned):
        domain.review(paper, None, "rev", 4, "Goed", NOW)
    assignment = domain.assign(uuid4(), paper, None, "rev", NOW)
    first = domain.review(paper, assignment, "rev", 4, " Goed ", NOW)
    assert (first.score, first.comment) == (4, "Goed")
    second = domain.review(paper, first, "rev", 2, "Toch zwak", NOW)
    assert second.score == 2 and second.id == first.id
    for score in (0, 6):
        with pytest.raises(domain.ScoreOutOfRange):
            domain.review(paper, assignment, "rev", score, "", NOW)
    decided = domain.decide(closed(call), paper, Decision.REJECTED, False, "chair", NOW + timedelta(days=2))
    assert decided is not None
    with pytest.raises(domain.PaperDecided):
        domain.review(decided, second, "rev", 5, "", NOW)


def test_the_mean_score_counts_only_scored_reviews() -> None:
    paper_id = uuid4()
    reviews = [
        domain.Review(uuid4(), paper_id, "a", 4, "", NOW, NOW),
        domain.Review(uuid4(), paper_id, "b", 3, "", NOW, NOW),
        domain.Review(uuid4(), paper_id, "c", None, "", NOW, None),
    ]
    assert domain.mean_score(reviews) == 3.5
    assert domain.mean_score(reviews[2:]) is None


# -- deciding --------------------------------------------------------------------------------------------


def test_chairs_decide_only_after_the_call_closed() -> None:
    call = a_call()
    paper = domain.submit(call, uuid4(), proposal(), "ann", NOW)
    with pytest.raises(domain.CallStillOpen):
        domain.decide(call, paper, Decision.ACCEPTED, False, "chair", NOW)
    decided = domain.decide(call, paper, Decision.ACCEPTED, False, "chair", call.closes_at)
    assert decided is not None and decided.status is PaperStatus.ACCEPTED and decided.decided_by == "chair"


def test_the_same_decision_twice_announces_nothing_and_a_scheduled_paper_keeps_its_decision() -> None:
    call = a_call()
    paper = accepted(call, "ann")
    assert domain.decide(closed(call), paper, Decision.ACCEPTED, True, "chair", NOW) is None
    with pytest.raises(domain.PaperScheduled):
        domain.decide(closed(call), paper, Decision.REJECTED, True, "chair", NOW)
    changed = domain.decide(closed(call), paper, Decision.REJECTED, False, "chair", NOW)
    assert changed is not None and changed.status is PaperStatus.REJECTED


# -- the timetable ---------------------------------------------------------------------------------------


def test_an_accepted_proposal_becomes_a_session_with_its_speakers() -> None:
    paper = accepted(a_call(), "ann", "bob")
    placed = domain.place(CONFERENCE, [], session(1), paper)
    assert placed.paper_id == paper.id
    assert placed.speaker_ids == ("ann", "bob")


def test_only_accepted_proposals_get_a_session() -> None:
    call = a_call()
    paper = domain.submit(call, uuid4(), proposal(), "ann", NOW)
    with pytest.raises(domain.NotAccepted):
        domain.place(CONFERENCE, [], session(1), paper)


def test_a_room_holds_one_session_at_a_time_whatever_its_spelling() -> None:
    first = session(1, hours=2, room="Zaal 1")
    with pytest.raises(domain.RoomTaken):
        domain.place(CONFERENCE, [first], session(2, room=" zaal  1"), None)
    # Back to back is no clash, nor is another room at the same time.
    domain.place(CONFERENCE, [first], session(3, room="Zaal 1"), None)
    domain.place(CONFERENCE, [first], session(1, room="Zaal 2"), None)


def test_no_speaker_is_in_two_places_at_once() -> None:
    call = a_call()
    first = domain.place(CONFERENCE, [], session(1, hours=2), accepted(call, "ann"))
    with pytest.raises(domain.SpeakerClash) as refused:
        domain.place(CONFERENCE, [first], session(2, room="Zaal 2"), accepted(call, "bob", "ann"))
    assert "'ann'" in str(refused.value)
    domain.place(CONFERENCE, [first], session(3, room="Zaal 2"), accepted(call, "bob", "ann"))


def test_a_session_lies_within_the_conference_and_ends_after_it_starts() -> None:
    with pytest.raises(domain.OutsideConference):
        domain.place(CONFERENCE, [], session(-1), None)
    with pytest.raises(domain.OutsideConference):
        domain.place(CONFERENCE, [], session(8, hours=2), None)
    with pytest.raises(domain.EndsBeforeStart):
        domain.place(CONFERENCE, [], session(2, hours=0), None)


def test_a_session_without_a_proposal_needs_a_title() -> None:
    with pytest.raises(domain.UntitledSession):
        domain.place(CONFERENCE, [], replace(session(1), title="  "), None)


def test_a_proposal_has_one_session_and_moving_a_session_does_not_clash_with_itself() -> None:
    paper = accepted(a_call(), "ann")
    first = domain.place(CONFERENCE, [], session(1), paper)
    with pytest.raises(domain.AlreadyScheduled):
        domain.place(CONFERENCE, [first], session(4, room="Zaal 3"), paper)
    moved = domain.place(CONFERENCE, [first], replace(first, starts_at=first.starts_at + timedelta(minutes=30)), paper)
    assert moved.id == first.id


def test_a_programme_is_published_only_with_sessions_and_a_conference_that_goes_ahead() -> None:
    call = a_call()
    with pytest.raises(domain.EmptyProgramme):
        domain.publish(call, CONFERENCE, [], NOW)
    with pytest.raises(domain.ConferenceCancelled):
        domain.publish(call, replace(CONFERENCE, cancelled=True), [session(1)], NOW)
    assert domain.publish(call, CONFERENCE, [session(1)], NOW).programme_published_at == NOW


# -- erasure -----------------------------------------------------------------------------------------------


def test_an_erased_person_leaves_proposals_sessions_and_reviews() -> None:
    paper = domain.submit(a_call(), uuid4(), proposal(speaker_ids=("ann", "bob")), "ann", NOW)
    erased = domain.erase_from_paper(paper, "ann")
    assert erased is not None
    assert erased.submitter_id is None and erased.speaker_ids == ("bob",)
    assert domain.erase_from_paper(paper, "cas") is None
    placed = session(1, speakers=("ann", "bob"))
    assert domain.erase_from_session(placed, "ann") == replace(placed, speaker_ids=("bob",))
    assert domain.erase_from_session(placed, "cas") is None
    review = domain.Review(uuid4(), paper.id, "rev", 4, "Mooi werk van Ann", NOW, NOW)
    anonymous = domain.erase_review(review)
    assert (anonymous.reviewer_id, anonymous.comment, anonymous.score) == (None, "", 4)
