"""The fishbone and the 5-why drawn as SVG: every category and every cause is there, a
verified one marked, the text escaped, and nothing inline for the CSP to refuse."""

import pytest
from django.template.loader import render_to_string

from problem_solving import drawing
from problem_solving.models import Category, Cause, WhyStep

CAUSES = [
    Cause(pk=i + 1, category=code, text=f"{label} cause {i}", verified=i % 2 == 0)
    for i, (code, label) in enumerate(Category.choices)
]


def render_fishbone(causes, title="Late orders"):
    class Initiative:
        pk = 7

    Initiative.title = title
    fishbone = drawing.fishbone(effect=title, causes=causes)
    return render_to_string(
        "problem_solving/partials/fishbone.html",
        {"fishbone": fishbone, "initiative": Initiative},
    )


def test_the_fishbone_has_each_category_and_each_cause():
    svg = render_fishbone(
        [*CAUSES, Cause(pk=99, category=Category.METHOD, text="Second method cause")]
    )

    for _, label in Category.choices:
        assert f">{label}</text>" in svg
    for cause in CAUSES:
        assert f"<title>{cause.text}" in svg
    assert "Second method cause" in svg
    assert svg.count('class="cause verified"') == 3
    assert ">✓ Man / People" in svg  # a verified cause is marked


def test_the_categories_sit_above_and_below_the_spine():
    fishbone = drawing.fishbone(effect="E", causes=CAUSES)
    above = [b.category for b in fishbone.bones if b.y1 < fishbone.spine_y]
    below = [b.category for b in fishbone.bones if b.y1 > fishbone.spine_y]

    assert above == ["man", "machine", "method"]
    assert below == ["material", "measurement", "environment"]


def test_many_causes_make_a_taller_drawing_without_overlap():
    few = drawing.fishbone(effect="E", causes=CAUSES[:1])
    many_causes = [
        Cause(pk=i, category="man", text=f"A longer cause number {i} " * 3) for i in range(8)
    ]
    many = drawing.fishbone(effect="E", causes=many_causes)

    assert many.height > few.height
    bone = next(b for b in many.bones if b.category == "man")
    ends = [c["text"].rows[-1][0] for c in bone.causes]
    starts = [c["text"].rows[0][0] for c in bone.causes]
    assert all(start > end for end, start in zip(ends, starts[1:], strict=False))
    assert all(y < many.spine_y for y in ends)


def test_text_is_escaped_and_nothing_is_inline():
    svg = render_fishbone([Cause(pk=1, category="man", text='<script>alert("x")</script>')])

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "style=" not in svg and "<style" not in svg and " on" not in svg.replace(" one", "")


def test_a_long_cause_is_cut_with_an_ellipsis_and_kept_whole_in_its_title():
    text = "word " * 100
    svg = render_fishbone([Cause(pk=1, category="man", text=text.strip())])

    assert "…" in svg
    assert f"<title>{text.strip()}</title>" in svg


@pytest.mark.parametrize("verified", [False, True])
def test_the_why_chain_marks_the_root_cause(verified):
    steps = [
        WhyStep(position=1, answer="Edges crack"),
        WhyStep(position=2, answer="Thick coils", is_root_cause=True, verified=verified),
    ]

    chain = drawing.why_chain(problem="Scrap is high", steps=steps)

    assert [b.kind for b in chain.boxes] == ["problem", "why", "verified" if verified else "root"]
    assert chain.boxes[2].heading[:2] == ["Why 2", "Root cause"]
    assert ("✓ Verified" in chain.boxes[2].heading) is verified
    assert len(chain.arrows) == 2
    assert chain.boxes[1].y > chain.boxes[0].y + chain.boxes[0].h
