"""The fishbone and the 5-why chains drawn on the server as SVG coordinates, for the
templates in templates/problem_solving/partials/: no JavaScript, nothing inline for the
Content Security Policy to refuse, and the same drawing on the page, in print and in
the PDF (WeasyPrint draws SVG itself but applies no page stylesheet to it, so colours
and sizes are the elements' own attributes, set here).

Sizes are viewBox units; text is wrapped by an estimate of its width (FONT × CHAR_RATIO
a character), generous enough for DejaVu Sans and the browsers' sans-serif fonts.
"""

import textwrap
from dataclasses import dataclass, field

from problem_solving.models import Category

FONT = 16
LINE = 20  # one line of text
CHAR_RATIO = 0.58  # an average character's width, in units of the font size
BOLD_WIDER = 1.12  # bold text's characters are this much wider
INK, MUTED, GOOD, WARN, LINE_COLOUR = "#1d2330", "#5b6475", "#1e7d32", "#9a6700", "#455a64"


def wrap(text: str, width_units: float, *, max_lines: int, bold: bool = False) -> list[str]:
    """`text` in lines that fit `width_units`, at most `max_lines` (the last one cut
    with an ellipsis when there is more)."""
    ratio = CHAR_RATIO * (BOLD_WIDER if bold else 1)
    chars = max(8, int(width_units / (FONT * ratio)))
    lines = textwrap.wrap(" ".join(text.split()), chars, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
    return lines


@dataclass
class TextBlock:
    """Lines of text from (x, y), one LINE apart; `full` is the whole text (its title)."""

    x: float
    y: float
    lines: list[str]
    full: str
    fill: str = INK
    weight: str = "normal"
    anchor: str = "start"

    @property
    def rows(self) -> list[tuple[float, str]]:
        return [(round(self.y + i * LINE, 1), line) for i, line in enumerate(self.lines)]


# --- the fishbone --------------------------------------------------------------------------

WIDTH = 1000
HEAD_W = 170  # the effect's box at the right
SPINE_X0, SPINE_X1 = 12, WIDTH - HEAD_W - 12
COLUMN_W = (SPINE_X1 - SPINE_X0) / 3
LABEL_H = 30
SLANT = 30  # how far a bone leans towards the head
BONE_INSET = 16  # from the column's left edge to the bone's far end
RIB = 10  # a cause's short line off its bone
CAUSE_GAP = 8  # between two causes of one bone
CAUSE_LINES = 4  # the most lines a cause is drawn in (its title holds it all)
TOP_HALF = (Category.MAN, Category.MACHINE, Category.METHOD)
BOTTOM_HALF = (Category.MATERIAL, Category.MEASUREMENT, Category.ENVIRONMENT)


@dataclass
class Bone:
    category: str
    label: str
    label_x: float
    label_y: float
    box_x: float
    box_y: float
    box_w: float
    box_h: float
    x1: float
    y1: float
    x2: float
    y2: float
    causes: list[dict] = field(default_factory=list)  # {rib: (x1, y, x2), text: TextBlock}


@dataclass
class Fishbone:
    width: int
    height: float
    spine_y: float
    spine_x0: float
    spine_x1: float
    head: dict
    bones: list[Bone]
    count: int
    verified: int

    @property
    def summary(self) -> str:
        return (
            f"{self.count} cause{'s' if self.count != 1 else ''} under the 6M, "
            f"{self.verified} verified"
        )


def fishbone(*, effect: str, causes: list) -> Fishbone:
    """The diagram of `causes` (Cause rows, any order) leading to `effect`: the 6M as
    bones, Man, Machine and Method above the spine, Material, Measurement and
    Environment below it; each cause off its bone, a verified one in bold green with ✓."""
    by_category = {code: [] for code in Category.values}
    for cause in causes:
        by_category[cause.category].append(cause)
    text_w = COLUMN_W - BONE_INSET - SLANT - RIB - 10
    blocks = {
        code: [
            (
                cause,
                wrap(
                    ("✓ " if cause.verified else "") + cause.text,
                    text_w,
                    max_lines=CAUSE_LINES,
                    bold=cause.verified,
                ),
            )
            for cause in rows
        ]
        for code, rows in by_category.items()
    }

    def height_of(codes) -> float:
        used = [sum(len(lines) * LINE + CAUSE_GAP for _, lines in blocks[c]) for c in codes]
        return max(80, *used)

    top_h, bottom_h = height_of(TOP_HALF), height_of(BOTTOM_HALF)
    top_label_y = 4
    spine_y = top_label_y + LABEL_H + 12 + top_h + 8
    bottom_label_y = spine_y + 8 + bottom_h + 12
    height = bottom_label_y + LABEL_H + 4

    bones = []
    for column, code in enumerate(TOP_HALF):
        x0 = SPINE_X0 + column * COLUMN_W
        far_y = top_label_y + LABEL_H
        bone = _bone(code, x0, label_y=top_label_y, far_y=far_y, near_y=spine_y)
        y = far_y + 12 + LINE / 2
        for cause, lines in blocks[code]:
            bone.causes.append(_cause(bone, cause, lines, y))
            y += len(lines) * LINE + CAUSE_GAP
        bones.append(bone)
    for column, code in enumerate(BOTTOM_HALF):
        x0 = SPINE_X0 + column * COLUMN_W
        bone = _bone(code, x0, label_y=bottom_label_y, far_y=bottom_label_y, near_y=spine_y)
        y = spine_y + 8 + LINE / 2
        for cause, lines in blocks[code]:
            bone.causes.append(_cause(bone, cause, lines, y))
            y += len(lines) * LINE + CAUSE_GAP
        bones.append(bone)

    head_lines = wrap(effect, HEAD_W - 16, max_lines=6, bold=True)
    head_h = max(40, len(head_lines) * LINE + 14)
    head = {
        "x": SPINE_X1,
        "y": round(spine_y - head_h / 2, 1),
        "w": HEAD_W,
        "h": head_h,
        "text": TextBlock(
            x=SPINE_X1 + 8,
            y=round(spine_y - head_h / 2 + 7 + LINE / 2, 1),
            lines=head_lines,
            full=effect,
            weight="bold",
        ),
    }
    return Fishbone(
        width=WIDTH,
        height=round(height, 1),
        spine_y=round(spine_y, 1),
        spine_x0=SPINE_X0,
        spine_x1=SPINE_X1,
        head=head,
        bones=bones,
        count=len(causes),
        verified=sum(1 for cause in causes if cause.verified),
    )


def _bone(code: str, x0: float, *, label_y: float, far_y: float, near_y: float) -> Bone:
    """A bone from its far end (by its label) leaning towards the head at the spine."""
    return Bone(
        category=code,
        label=Category(code).label,
        label_x=round(x0 + COLUMN_W / 2, 1),
        label_y=round(label_y + LABEL_H / 2, 1),
        box_x=round(x0 + 4, 1),
        box_y=round(label_y, 1),
        box_w=round(COLUMN_W - 8, 1),
        box_h=LABEL_H,
        x1=round(x0 + BONE_INSET, 1),
        y1=round(far_y, 1),
        x2=round(x0 + BONE_INSET + SLANT, 1),
        y2=round(near_y, 1),
    )


def _cause(bone: Bone, cause, lines: list[str], y: float) -> dict:
    """A cause's rib off the bone at height `y`, and its text right of the rib."""
    share = (y - bone.y1) / (bone.y2 - bone.y1) if bone.y2 != bone.y1 else 0
    bone_x = bone.x1 + share * (bone.x2 - bone.x1)
    full = cause.text
    if cause.verified:
        full += f" (verified: {cause.evidence})" if cause.evidence else " (verified)"
    return {
        "verified": cause.verified,
        "rib": (round(bone_x, 1), round(y, 1), round(bone_x + RIB, 1)),
        "text": TextBlock(
            x=round(bone_x + RIB + 4, 1),
            y=round(y, 1),
            lines=lines,
            full=full,
            fill=GOOD if cause.verified else INK,
            weight="bold" if cause.verified else "normal",
        ),
    }


# --- a 5-why chain -------------------------------------------------------------------------

BOLD_KINDS = ("root", "verified")  # the boxes whose answer is in bold
HEADING_W = 150  # the box's left part: "Problem", "Why 1", "root cause"
BOX_LINES = 3
ARROW_GAP = 18  # room for the arrow between two boxes


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    heading: list[str]
    text: TextBlock
    kind: str  # problem, why, root, verified
    stroke: str
    fill: str

    @property
    def heading_rows(self) -> list[tuple[float, str]]:
        return [
            (round(self.y + 8 + LINE / 2 + i * LINE, 1), line)
            for i, line in enumerate(self.heading)
        ]


@dataclass
class Chain:
    width: int
    height: float
    heading_x: float
    boxes: list[Box]
    arrows: list[tuple[float, float, float]]  # (x, y1, y2)

    @property
    def summary(self) -> str:
        return "; ".join(f"{' '.join(box.heading)}: {box.text.full}" for box in self.boxes)


def why_chain(*, problem: str, steps: list) -> Chain:
    """The chain as boxes top to bottom, joined by arrows: the problem, then each why
    (WhyStep rows in order) — the root cause outlined, in green once verified."""
    entries = [(["Problem"], problem, "problem")]
    for step in steps:
        kind = "verified" if step.verified else "root" if step.is_root_cause else "why"
        heading = [f"Why {step.position}"]
        if step.is_root_cause:
            heading.append("Root cause")
        if step.verified:
            heading.append("✓ Verified")
        entries.append((heading, step.answer, kind))
    colours = {
        "problem": (LINE_COLOUR, "#eef1f6"),
        "why": (LINE_COLOUR, "#ffffff"),
        "root": (WARN, "#fff4e5"),
        "verified": (GOOD, "#e6f4ea"),
    }
    text_x = HEADING_W + 10
    boxes, arrows, y = [], [], 2.0
    for heading, text, kind in entries:
        lines = wrap(text, WIDTH - text_x - 12, max_lines=BOX_LINES, bold=kind in BOLD_KINDS)
        h = max(len(lines), len(heading)) * LINE + 16
        stroke, fill = colours[kind]
        if boxes:
            arrows.append((round(WIDTH / 2, 1), round(y - ARROW_GAP + 2, 1), round(y - 2, 1)))
        boxes.append(
            Box(
                x=2,
                y=round(y, 1),
                w=WIDTH - 4,
                h=h,
                heading=heading,
                text=TextBlock(x=text_x, y=round(y + 8 + LINE / 2, 1), lines=lines, full=text),
                kind=kind,
                stroke=stroke,
                fill=fill,
            )
        )
        y += h + ARROW_GAP
    return Chain(
        width=WIDTH, height=round(y - ARROW_GAP + 2, 1), heading_x=10, boxes=boxes, arrows=arrows
    )
