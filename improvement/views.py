from django.db.models import Count
from django.shortcuts import render

from improvement.models import Initiative, Stage


def home(request):
    """Where a signed-in person lands: the programme at a glance and their own ideas."""
    counts = dict(Initiative.objects.values_list("stage").annotate(n=Count("id")).order_by())
    by_stage = [(stage, counts.get(stage.value, 0)) for stage in Stage]
    mine = (
        Initiative.objects.filter(submitted_by=request.user)
        .select_related("area")
        .order_by("-created_at")[:10]
    )
    return render(request, "improvement/home.html", {"by_stage": by_stage, "mine": mine})
