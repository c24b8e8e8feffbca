"""Which channels hear about which initiative.

- A channel with an area hears about the initiatives of that area and of every area
  under it (`covers`: the area tree's materialized path, improvement.models.Area).
- A channel with a campaign hears about that campaign's ideas; with both, about the
  campaign's ideas in that part of the tree.
- A channel with neither hears about every initiative that is not private.
- A private initiative (its area, or an area above it, is restricted —
  improvement.visibility) is news only for channels whose own area is private too and
  covers it: a channel of the restricted department, or of a line under it, but never
  the site's channel above it nor a company-wide one. Whoever reads a restricted area's
  channel is the administrator's choice when creating it.
"""

from django.db.models import Q

from improvement.models import Area, Initiative
from integrations.models import Channel


def covers(channel_area: Area, area: Area) -> bool:
    """Is `area` the channel's area or under it? The one place the scope is matched: a
    materialized path starts with each of its ancestors' paths."""
    return area.path.startswith(channel_area.path)


def _private_area(area: Area) -> bool:
    """Is `area` restricted, or an area above it? (Its ancestors' paths are the
    prefixes of its own: one query.)"""
    steps = range(Area.steplen, len(area.path) + 1, Area.steplen)
    above_or_same = [area.path[:end] for end in steps]
    return Area.objects.filter(path__in=above_or_same, restricted=True).exists()


def _is_private(initiative: Initiative) -> bool:
    """Is this initiative seen only by its area's people (improvement.visibility)?"""
    return _private_area(initiative.area)


def channels_for(initiative: Initiative, event: str) -> list[Channel]:
    """The active channels that want `event` and may carry news of `initiative`."""
    candidates = [
        channel
        for channel in Channel.objects.filter(active=True).select_related("area")
        if event in channel.events
        and (channel.campaign_id is None or channel.campaign_id == initiative.campaign_id)
        and (channel.area is None or covers(channel.area, initiative.area))
    ]
    if not candidates or not _is_private(initiative):
        return candidates
    return [c for c in candidates if c.area is not None and _private_area(c.area)]


def channels_for_programme(event: str) -> list[Channel]:
    """The active channels that want `event` about the whole programme (a closed
    quarter): every one not tied to a campaign — an area's channel hears its part."""
    return [
        channel
        for channel in Channel.objects.filter(active=True, campaign__isnull=True).select_related(
            "area"
        )
        if event in channel.events
    ]


def private_area_ids() -> set[int]:
    """Every private area: a restricted one and the areas under it (two queries)."""
    restricted = list(Area.objects.filter(restricted=True).values_list("path", flat=True))
    if not restricted:
        return set()
    under = Q()
    for path in restricted:
        under |= Q(path__startswith=path)
    return set(Area.objects.filter(under).values_list("pk", flat=True))


def programme_scope(channel: Channel, private: set[int]) -> Q:
    """The initiatives whose figures a programme-wide message to `channel` may count
    (`private`: private_area_ids()), as a filter on initiatives: its part of the tree,
    without private areas unless the channel's own area is private."""
    scope = Q()
    if channel.area is not None:
        scope &= Q(area__path__startswith=channel.area.path)
        if channel.area_id in private:
            return scope
    return scope & ~Q(area_id__in=private)
