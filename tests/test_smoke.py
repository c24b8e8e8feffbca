from tests.factories import (
    CommentFactory,
    MeasurementFactory,
    NotificationFactory,
    QuarterCloseFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    StageTransitionFactory,
    SupportFactory,
)


def test_it_builds_a_valid_row_from_every_factory(db):
    for factory in (
        CommentFactory,
        MeasurementFactory,
        NotificationFactory,
        QuarterCloseFactory,
        QuarterlyResultFactory,
        ResultSnapshotFactory,
        StageTransitionFactory,
        SupportFactory,
    ):
        row = factory()
        row.full_clean()
        assert row.pk is not None
