"""The stage workflow: which moves exist, what each one's gate demands, and `move()`.

The moves are data (`MOVES`), each gate a small named check returning `Unmet` items
(a code and a message). `move()` is the one entry point used by the web views, the API
and the admin: it locks the initiative row, checks the actor's right and every gate,
changes the stage, writes one immutable history row in the same transaction, and
notifies the submitter, owner and watchers.
"""

import enum
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from improvement import events, notifications, roles, visibility
from improvement.models import (
    ACTIVE_STAGES,
    Initiative,
    Methodology,
    Stage,
    StageTransition,
    Support,
)
from metrics import facts as metric_facts
from metrics.results import stale


class Kind(enum.StrEnum):
    TRIAGE = "triage"  # submitted → backlog
    REJECT = "reject"  # submitted/backlog → rejected
    FORWARD = "forward"  # the next stage of the methodology
    LOOP = "loop"  # PDCA act → plan, next cycle
    BACK = "back"  # one stage back, for rework
    HOLD = "hold"
    RESUME = "resume"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Unmet:
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


class MoveRefused(Exception):
    """A gate is not met (HTTP 409). `unmet` names every missing condition."""

    def __init__(self, unmet: list[Unmet]):
        self.unmet = unmet
        super().__init__("; ".join(u.message for u in unmet))


class MoveForbidden(Exception):
    """The actor may not make this move at all (HTTP 403)."""


@dataclass
class Attempt:
    """What a gate looks at: the locked initiative and what the actor said."""

    initiative: Initiative
    note: str | None  # None: not given yet (listing the moves a user may make)
    duplicate_of: Initiative | None = None

    @property
    def pk(self) -> int:
        return self.initiative.pk


Gate = Callable[[Attempt], list[Unmet]]


# --- gates -------------------------------------------------------------------------------


def scored(a: Attempt) -> list[Unmet]:
    unmet = []
    if a.initiative.impact is None:
        unmet.append(Unmet("impact_missing", _("Score the impact (1–5).")))
    if a.initiative.effort is None:
        unmet.append(Unmet("effort_missing", _("Score the effort (1–5).")))
    if not a.initiative.methodology:
        unmet.append(Unmet("methodology_missing", _("Choose PDCA or DMAIC.")))
    return unmet


def reason_given(a: Attempt) -> list[Unmet]:
    if a.duplicate_of is not None:
        if a.duplicate_of.pk == a.pk:
            return [Unmet("duplicate_of_self", _("An idea cannot duplicate itself."))]
        if a.duplicate_of.stage in (Stage.REJECTED, Stage.CANCELLED):
            return [
                Unmet(
                    "duplicate_of_closed",
                    _("#%(number)s is %(stage)s: point to an idea that is still open.")
                    % {
                        "number": a.duplicate_of.pk,
                        "stage": a.duplicate_of.get_stage_display().lower(),
                    },
                )
            ]
        return []
    if a.note is None or a.note.strip():
        return []
    return [
        Unmet("reason_missing", _("Give a reason for the rejection, or the idea it duplicates."))
    ]


def note_given(a: Attempt) -> list[Unmet]:
    if a.note is None or a.note.strip():
        return []
    return [Unmet("note_missing", _("Add a note saying why."))]


def owner_assigned(a: Attempt) -> list[Unmet]:
    if a.initiative.owner_id is None:
        return [Unmet("owner_missing", _("Assign an owner."))]
    return []


def problem_stated(a: Attempt) -> list[Unmet]:
    if not a.initiative.problem_statement.strip():
        return [Unmet("problem_statement_missing", _("Write the problem statement."))]
    return []


def targets_defined(a: Attempt) -> list[Unmet]:
    facts = metric_facts.target_facts(initiative_id=a.pk)
    if facts.count == 0:
        return [Unmet("targets_missing", _("Add at least one target metric."))]
    unmet = []
    if facts.without_target_value:
        names = ", ".join(facts.without_target_value)
        unmet.append(
            Unmet(
                "target_value_missing", _("Set a target value for: %(names)s.") % {"names": names}
            )
        )
    if facts.primaries != 1:
        unmet.append(Unmet("primary_target_missing", _("Mark exactly one target as primary.")))
    return unmet


def baselines_set(a: Attempt) -> list[Unmet]:
    """The baselines about to freeze: at least one target, each with a baseline, and no
    target value on the worsening side of what would be frozen."""
    facts = metric_facts.target_facts(initiative_id=a.pk)
    if not facts.count:
        return [Unmet("targets_missing", _("Add at least one target metric with a baseline."))]
    unmet = []
    if facts.without_baseline:
        names = ", ".join(facts.without_baseline)
        unmet.append(
            Unmet(
                "baseline_missing",
                _("Enter a baseline value, or a baseline window with measurements, for: %(names)s.")
                % {"names": names},
            )
        )
    unmet += [Unmet("target_worsening", problem) for problem in facts.worsening]
    return unmet


def root_cause_recorded(a: Attempt) -> list[Unmet]:
    """The root cause in words, or a verified one from the problem-solving tools: a
    verified cause on the fishbone, or a 5-why's root cause marked verified (read
    through the reverse relations: improvement does not import problem_solving)."""
    if a.initiative.root_cause.strip():
        return []
    if a.initiative.causes.filter(verified=True).exists():
        return []
    if a.initiative.five_whys.filter(steps__is_root_cause=True, steps__verified=True).exists():
        return []
    return [
        Unmet(
            "root_cause_missing",
            _("Record the root cause, or verify one on the 5-why or the fishbone."),
        )
    ]


def change_measured(a: Attempt) -> list[Unmet]:
    implemented_on = a.initiative.implemented_on
    if implemented_on is None:
        return [Unmet("implemented_on_missing", _("Set the date the change went live."))]
    if not metric_facts.has_measurement_since(initiative_id=a.pk, day=implemented_on):
        return [
            Unmet(
                "post_change_measurement_missing",
                _("Record a measurement of the primary target on or after %(day)s.")
                % {"day": date_format(implemented_on)},
            )
        ]
    return []


def result_computed(a: Attempt) -> list[Unmet]:
    implemented_on = a.initiative.implemented_on
    if implemented_on is None:
        return [Unmet("implemented_on_missing", _("Set the date the change went live."))]
    if not metric_facts.has_post_change_result(initiative_id=a.pk, since=implemented_on):
        return [
            Unmet(
                "result_missing",
                _(
                    "No result from data on or after %(day)s yet: results are computed when "
                    "measurements are recorded, and every night."
                )
                % {"day": date_format(implemented_on)},
            )
        ]
    return []


def control_plan_recorded(a: Attempt) -> list[Unmet]:
    if not a.initiative.control_plan.strip():
        return [Unmet("control_plan_missing", _("Record the control plan."))]
    return []


def decision_recorded(a: Attempt) -> list[Unmet]:
    if not a.initiative.decision_note.strip():
        return [Unmet("decision_note_missing", _("Record the decision: adopt, adapt or abandon."))]
    return []


# The most open actions a refusal names; the rest are counted.
ACTIONS_NAMED = 3


def stage_actions_closed(a: Attempt) -> list[Unmet]:
    """Every action item of the stage being left is done or cancelled (read through the
    reverse relation: improvement does not import actions; "open" is
    actions.ActionItem.Status.OPEN)."""
    stage = a.initiative.stage
    still_open = list(
        a.initiative.action_items.filter(stage=stage, status="open")
        .order_by("due_on", "id")
        .values_list("title", flat=True)
    )
    if not still_open:
        return []
    named = ", ".join(f"“{title}”" for title in still_open[:ACTIONS_NAMED])
    more = len(still_open) - ACTIONS_NAMED
    if more > 0:
        named = ngettext("%(named)s and %(more)d more", "%(named)s and %(more)d more", more) % {
            "named": named,
            "more": more,
        }
    return [
        Unmet(
            "stage_actions_open",
            _("Mark the %(stage)s stage's open action items done or cancelled: %(named)s.")
            % {"stage": Stage(stage).label, "named": named},
        )
    ]


# --- what fixes an unmet condition ------------------------------------------------------
# Pages show each unmet condition in words with a way to its fix; the API returns the
# code and the message only. A fix is an Initiative field (its form field has that name),
# the move's own `note` or `duplicate_of`, or something recorded on the targets:
# NEW_TARGET (add one), TARGETS (correct one), MEASUREMENT (record one after the change),
# RESULT (computed from the measurements); or ACTIONS (tick off the action items).

NEW_TARGET, TARGETS, MEASUREMENT, RESULT = "new_target", "targets", "measurement", "result"
ACTIONS = "actions"

FIXED_BY: dict[str, str] = {
    "impact_missing": "impact",
    "effort_missing": "effort",
    "methodology_missing": "methodology",
    "reason_missing": "note",
    "note_missing": "note",
    "duplicate_of_self": "duplicate_of",
    "duplicate_of_closed": "duplicate_of",
    "owner_missing": "owner",
    "problem_statement_missing": "problem_statement",
    "targets_missing": NEW_TARGET,
    "target_value_missing": TARGETS,
    "primary_target_missing": TARGETS,
    "baseline_missing": TARGETS,
    "target_worsening": TARGETS,
    "root_cause_missing": "root_cause",
    "implemented_on_missing": "implemented_on",
    "post_change_measurement_missing": MEASUREMENT,
    "result_missing": RESULT,
    "control_plan_missing": "control_plan",
    "decision_note_missing": "decision_note",
    "stage_actions_open": ACTIONS,
}


def fixed_by(unmet: Unmet) -> str | None:
    """What fixes `unmet` (see FIXED_BY); None when nothing the user fills in does (a
    move that does not exist, a move outside the user's role)."""
    return FIXED_BY.get(unmet.code)


# --- the moves ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    source: str
    to: str
    kind: Kind
    gates: tuple[Gate, ...] = ()

    @property
    def is_triage(self) -> bool:
        return self.kind in (Kind.TRIAGE, Kind.REJECT)

    @property
    def needs_note(self) -> bool:
        return reason_given in self.gates or note_given in self.gates


S = Stage
PDCA = (S.PLAN, S.DO, S.CHECK, S.ACT, S.COMPLETED)
DMAIC = (S.DEFINE, S.MEASURE, S.ANALYZE, S.IMPROVE, S.CONTROL, S.COMPLETED)

FORWARD_GATES: dict[tuple[str, str], tuple[Gate, ...]] = {
    (S.BACKLOG, S.PLAN): (owner_assigned,),
    (S.PLAN, S.DO): (baselines_set,),
    (S.DO, S.CHECK): (change_measured, stage_actions_closed),
    (S.CHECK, S.ACT): (result_computed,),
    (S.ACT, S.COMPLETED): (decision_recorded,),
    (S.BACKLOG, S.DEFINE): (owner_assigned,),
    (S.DEFINE, S.MEASURE): (problem_stated, targets_defined),
    (S.MEASURE, S.ANALYZE): (baselines_set,),
    (S.ANALYZE, S.IMPROVE): (root_cause_recorded,),
    (S.IMPROVE, S.CONTROL): (change_measured, stage_actions_closed),
    (S.CONTROL, S.COMPLETED): (result_computed, control_plan_recorded),
}


def _build_moves() -> list[Move]:
    moves = [
        Move(S.SUBMITTED, S.BACKLOG, Kind.TRIAGE, (scored,)),
        Move(S.SUBMITTED, S.REJECTED, Kind.REJECT, (reason_given,)),
        Move(S.BACKLOG, S.REJECTED, Kind.REJECT, (reason_given,)),
        Move(S.ACT, S.PLAN, Kind.LOOP, (decision_recorded,)),
    ]
    moves += [Move(src, to, Kind.FORWARD, g) for (src, to), g in FORWARD_GATES.items()]
    for sequence in (PDCA, DMAIC):
        working = sequence[:-1]  # completed is not worked in
        moves += [
            Move(later, earlier, Kind.BACK, (note_given,))
            for earlier, later in itertools.pairwise(working)
        ]
    moves += [Move(stage, S.ON_HOLD, Kind.HOLD) for stage in ACTIVE_STAGES]
    moves += [Move(S.ON_HOLD, stage, Kind.RESUME) for stage in ACTIVE_STAGES]
    moves += [Move(stage, S.CANCELLED, Kind.CANCEL, (note_given,)) for stage in ACTIVE_STAGES]
    moves.append(Move(S.ON_HOLD, S.CANCELLED, Kind.CANCEL, (note_given,)))
    return moves


MOVES: list[Move] = _build_moves()

# What a move may change on the initiative row.
MOVE_FIELDS = [
    "stage",
    "stage_entered_at",
    "held_from",
    "cycle",
    "decision_note",
    "rejection_reason",
    "duplicate_of",
    "implemented_on",
    "updated_at",
]

# The moves that freeze the initiative's baselines (metrics.facts.freeze_baselines).
FREEZING_MOVES = frozenset({(S.PLAN, S.DO), (S.MEASURE, S.ANALYZE)})

# The first stage of each methodology, entered from the backlog.
FIRST_STAGE = {Methodology.PDCA: S.PLAN, Methodology.DMAIC: S.DEFINE}


def moves_from(initiative: Initiative) -> list[Move]:
    """The moves that exist from where the initiative stands now."""
    stage = initiative.stage
    found = []
    for move in MOVES:
        if move.source != stage:
            continue
        if move.kind is Kind.RESUME and move.to != initiative.held_from:
            continue
        wrong_methodology = move.to != FIRST_STAGE.get(initiative.methodology)
        if stage == S.BACKLOG and move.kind is Kind.FORWARD and wrong_methodology:
            continue
        found.append(move)
    return found


def find_move(initiative: Initiative, to: str) -> Move:
    for move in moves_from(initiative):
        if move.to == to:
            return move
    source = Stage(initiative.stage).label
    target = Stage(to).label if to in Stage.values else f"“{to}”"
    raise MoveRefused(
        [
            Unmet(
                "move_not_allowed",
                _("%(source)s cannot move to %(target)s.") % {"source": source, "target": target},
            )
        ]
    )


def permission_unmet(move: Move) -> Unmet:
    if move.is_triage:
        return Unmet("not_permitted", _("Only reviewers can triage or reject ideas."))
    return Unmet("not_permitted", _("Only the owner, the sponsor or a reviewer can move this."))


@dataclass(frozen=True)
class MoveOption:
    to: str
    allowed: bool
    unmet: list[Unmet]
    needs_note: bool


def options(*, initiative: Initiative, user) -> list[MoveOption]:
    """Every move from the current stage, whether this user may make it now, and why not.

    Notes are not known yet, so gates that only ask for a note are reported through
    `needs_note` rather than as unmet."""
    result = []
    for move in moves_from(initiative):
        unmet = []
        if not roles.can_move(user, initiative, triage=move.is_triage):
            unmet.append(permission_unmet(move))
        attempt = Attempt(initiative=initiative, note=None)
        for gate in move.gates:
            unmet += gate(attempt)
        result.append(MoveOption(move.to, not unmet, unmet, move.needs_note))
    return result


# --- moving -------------------------------------------------------------------------------


def move(
    *,
    initiative: Initiative,
    to: str,
    actor,
    note: str = "",
    duplicate_of: Initiative | None = None,
) -> Initiative:
    """Move `initiative` to stage `to`, or raise MoveForbidden / MoveRefused.

    Returns the initiative as saved. The row is locked for the whole check-and-write, so
    of two people moving the same initiative at once exactly one succeeds: the second
    sees the stage the first left and finds its move no longer exists.

    A note longer than the history's column allows raises ValidationError (HTTP 400)."""
    note = note.strip()
    _check_note(note)
    # The original must be one the actor may see: a private area's idea is no one's to
    # point at (and its title would be told to the duplicate's people).
    if duplicate_of is not None and not visibility.can_see(actor, duplicate_of):
        raise ValidationError({"duplicate_of": _("There is no such initiative.")})
    with transaction.atomic():
        locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
        chosen = find_move(locked, to)
        if not roles.can_move(actor, locked, triage=chosen.is_triage):
            raise MoveForbidden(permission_unmet(chosen).message)
        attempt = Attempt(initiative=locked, note=note, duplicate_of=duplicate_of)
        unmet = [u for gate in chosen.gates for u in gate(attempt)]
        if unmet:
            raise MoveRefused(unmet)

        source = locked.stage
        _apply(chosen, locked, actor=actor, note=note, duplicate_of=duplicate_of)
        locked.stage = chosen.to
        locked.stage_entered_at = timezone.now()
        locked.save(update_fields=MOVE_FIELDS)
        transition = StageTransition.objects.create(
            initiative=locked,
            from_stage=source,
            to_stage=chosen.to,
            actor=actor,
            at=locked.stage_entered_at,
            note=note,
            cycle=locked.cycle,
        )
        notifications.stage_moved(transition=transition)
        events.send_on_commit(events.stage_moved, transition_id=transition.pk)
        if not chosen.is_triage:
            # Results and ledger rows follow the stage (a completion, a new cycle), on
            # every deployment: without a broker the job runs when this commits.
            stale.inputs_changed(initiative_ids=[locked.pk])
    return locked


def _check_note(note: str) -> None:
    """The note's own limits (StageTransition.note), before anything is locked or written."""
    try:
        StageTransition._meta.get_field("note").run_validators(note)
    except ValidationError as exc:
        raise ValidationError({"note": exc.messages}) from None


def _apply(chosen: Move, initiative: Initiative, *, actor, note: str, duplicate_of) -> None:
    """The side effects particular to a kind of move, inside the move's transaction."""
    if chosen.kind is Kind.REJECT:
        initiative.rejection_reason = note
        initiative.duplicate_of = duplicate_of
        if duplicate_of is not None:
            _merge_into(initiative, duplicate_of)
    elif chosen.kind is Kind.LOOP:
        # The decision and the change close this cycle; the next one needs its own.
        initiative.cycle += 1
        initiative.decision_note = ""
        initiative.implemented_on = None
    elif chosen.kind is Kind.HOLD:
        initiative.held_from = initiative.stage
    elif chosen.kind in (Kind.RESUME, Kind.CANCEL):
        initiative.held_from = ""

    if (chosen.source, chosen.to) in FREEZING_MOVES:
        metric_facts.freeze_baselines(initiative_id=initiative.pk, actor=actor)


def _merge_into(duplicate: Initiative, original: Initiative) -> None:
    """A duplicate's supporters move to the original, and its submitter follows it."""
    supporters = list(duplicate.supports.values_list("user_id", flat=True))
    Support.objects.bulk_create(
        [Support(initiative=original, user_id=user_id) for user_id in supporters],
        ignore_conflicts=True,
    )
    duplicate.supports.all().delete()
    original.watchers.add(duplicate.submitted_by_id)
