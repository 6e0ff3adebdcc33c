"""Does a late policy cost what it says, per day or part of one, and refuse what it cannot read?"""

from datetime import datetime, timezone

import pytest

from grader.errors import GraderError
from grader.staff.late import EVERY, LateOptions, parse_policies, parse_time, read_manifest

DEADLINE = "2025-03-03T23:59+01:00"


def at(text):
    return parse_time(text)


@pytest.mark.parametrize("submitted, days, final", [
    ("2025-03-03T23:59+01:00", 0, 8.0),  # on the dot: on time
    ("2025-03-04T00:00+01:00", 1, 7.0),  # a minute late is a day late
    ("2025-03-05T23:59+01:00", 2, 6.0),
    ("2025-03-05T23:59:01+01:00", 3, 5.0),
    ("2025-03-20T12:00+01:00", 17, 0.0),  # never below 0
])
def test_each_day_or_part_of_one_costs_the_percentage_of_the_points(submitted, days, final):
    """10% a day of a 10-point exercise: how many days late, and what is left of 8 points?"""
    policy = parse_policies(deadlines=[DEADLINE], penalties=["10%"])[EVERY]
    lateness = policy.judge(at(submitted), 10)
    assert (lateness.days, lateness.apply(8.0)) == (days, final)


def test_after_the_cutoff_a_submission_scores_zero():
    """A cut-off: late but before it costs the daily rate; after it, nothing is left."""
    policy = parse_policies(deadlines=[DEADLINE], penalties=["5"], cutoffs=["2025-03-06T00:00+01:00"])[EVERY]
    assert policy.judge(at("2025-03-05T12:00+01:00"), 10).apply(10) == 9.0
    after = policy.judge(at("2025-03-06T00:01+01:00"), 10)
    assert after.after_cutoff and after.apply(10) == 0.0


def test_an_exercises_own_values_win_over_the_ones_for_every_exercise():
    """--deadline for all, another for exercise3: does exercise3 keep the common penalty with its own deadline?"""
    policies = parse_policies(deadlines=[DEADLINE, "exercise3=2025-03-10T23:59+01:00"], penalties=["10"])
    assert policies["exercise3"].deadline == at("2025-03-10T23:59+01:00")
    assert policies["exercise3"].percent_a_day == 10 and policies[EVERY].deadline == at(DEADLINE)


@pytest.mark.parametrize("options, words", [
    ({"deadlines": ["2025-03-03T23:59"]}, "has no time zone: add its UTC offset"),
    ({"deadlines": ["next monday"]}, "is not a time: write it as ISO 8601"),
    ({"deadlines": [DEADLINE], "penalties": ["150"]}, "not a percentage from 0 to 100"),
    ({"penalties": ["10"]}, "--late-penalty for every exercise needs a --deadline"),
    ({"deadlines": [DEADLINE], "cutoffs": ["2025-03-01T00:00Z"]}, "comes before --deadline"),
    ({"deadlines": ["exercise99=" + DEADLINE]}, "exercise99"),
])
def test_a_bad_option_is_one_line_that_names_it(options, words):
    """Each way to get a policy wrong: is the error one line that quotes the value?"""
    with pytest.raises(GraderError, match=words):
        parse_policies(**options)


def test_a_manifest_gives_times_by_student_and_exercise(tmp_path):
    """Our manifest: a time for every exercise of a student, or for one exercise."""
    path = tmp_path / "times.csv"
    path.write_text("student,exercise,submitted_at\n101,,2025-03-04T08:00Z\n101,exercise3,2025-03-09T08:00+02:00\n")
    times = read_manifest(path)
    assert times == {("101", EVERY): datetime(2025, 3, 4, 8, tzinfo=timezone.utc),
                     ("101", "exercise3"): datetime(2025, 3, 9, 6, tzinfo=timezone.utc)}


def test_moodles_grading_worksheet_is_a_manifest_read_in_the_deadlines_offset(tmp_path):
    """Moodle's worksheet as it downloads: are 'Participant N' and its English dates read, in the deadline's zone?"""
    path = tmp_path / "worksheet.csv"
    path.write_text('Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed",'
                    '"Last modified (submission)","Last modified (grade)","Feedback comments"\n'
                    '"Participant 201","Ada Lovelace",ada@example.org,"Submitted for grading",,100.00,Yes,'
                    '"Monday, 3 March 2025, 10:15 PM",-,\n'
                    '"Participant 203","Grace Hopper",grace@example.org,"No submission",,100.00,Yes,-,-,\n')
    policies, times = LateOptions(deadlines=(DEADLINE,), manifests=(f"exercise1={path}",)).parse()
    assert times == {("201", "exercise1"): datetime(2025, 3, 3, 21, 15, tzinfo=timezone.utc)}
    assert not policies[EVERY].judge(times["201", "exercise1"], 10).days


@pytest.mark.parametrize("text, words", [
    ("who,when\nalice,today\n", "neither student,submitted_at"),
    ("student,submitted_at\nalice,yesterday\n", r"times.csv:2: 'yesterday' is not a time"),
    ("student,submitted_at\nalice,2025-03-03T10:00\n", "has no time zone; pass --deadline"),
])
def test_a_bad_manifest_is_one_line_with_the_file_and_line(tmp_path, text, words):
    """A manifest with the wrong columns, a bad time or a time without a zone: which line, and the fix?"""
    (tmp_path / "times.csv").write_text(text)
    with pytest.raises(GraderError, match=words):
        read_manifest(tmp_path / "times.csv")
