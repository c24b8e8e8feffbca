"""Who may see which initiative — the one answer every read uses.

The rule (README, "Sites, departments and restricted areas"):

- An area is *private* when it or an area above it is `restricted`.
- A person *belongs* to an area when they are one of its members or its area reviewers;
  belonging to an area covers every area under it.
- A private area's initiatives are seen only by those who belong to that area or an
  area above it, and by administrators (superusers). Everything else is seen by every
  signed-in person, as before: ideas are public inside the organisation.

Whatever is about an initiative (its targets, measurements, results, comments, actions,
attachments, A3, notifications) is seen exactly when the initiative is.

How it is asked, without a query per row: `hidden_areas(user)` is one subquery over the
area table (small: a company has hundreds of areas, not millions), and every read
excludes the initiatives in it — `visible_initiatives(user)`, or `visible(queryset,
user, "initiative")` for anything related to one. A superuser's reads are not filtered.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Length, Substr

from improvement.models import Area, Initiative, Notification


def is_unfiltered(user) -> bool:
    """Administrators see everything."""
    return bool(user.is_active and user.is_superuser)


def _above_or_same(**filters) -> QuerySet:
    """Areas matching `filters` that are the outer area or above it: their path is a
    prefix of the outer area's path (materialized path: the ancestors are its prefixes)."""
    return Area.objects.filter(path=Substr(OuterRef("path"), 1, Length("path")), **filters)


def _belongs(user_id: int | None) -> Q:
    """The areas user `user_id` is a member or an area reviewer of."""
    if user_id is None:
        return Q(pk__in=[])
    members = Area.members.through.objects.filter(user_id=user_id).values("area_id")
    reviewers = Area.reviewers.through.objects.filter(user_id=user_id).values("area_id")
    return Q(pk__in=members) | Q(pk__in=reviewers)


def hidden_areas(user) -> QuerySet[Area]:
    """The areas whose initiatives `user` may not see: private, and not covered by an
    area they belong to. Empty for an administrator."""
    if is_unfiltered(user):
        return Area.objects.none()
    return _hidden_from(user.pk)


def _hidden_from(user_id: int | None) -> QuerySet[Area]:
    private = Exists(_above_or_same(restricted=True))
    covered = Exists(_above_or_same().filter(_belongs(user_id)))
    return Area.objects.order_by().filter(private).exclude(covered)


def unread_notifications(user_id: int) -> QuerySet[Notification]:
    """The unread notifications the list shows user `user_id` (not those about an
    initiative they may no longer see), asked by id alone: the count is loaded with the
    user (config.auth), before there is a user object to ask `visible()` with."""
    hidden = Q(initiative__area_id__in=_hidden_from(user_id).values("pk")) & ~Q(
        recipient__is_superuser=True, recipient__is_active=True
    )
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).exclude(hidden)


def visible_areas(user) -> QuerySet[Area]:
    """The areas `user` may see (and choose in a filter), in tree order."""
    if is_unfiltered(user):
        return Area.objects.all()
    return Area.objects.exclude(pk__in=hidden_areas(user).values("pk"))


def visible(queryset: QuerySet, user, initiative: str = "initiative") -> QuerySet:
    """`queryset` without the rows about initiatives `user` may not see; `initiative` is
    the lookup from the queryset's model to its initiative ("" for initiatives
    themselves, "target__initiative" for measurements). One NOT IN subquery."""
    if is_unfiltered(user):
        return queryset
    area = f"{initiative}__area_id" if initiative else "area_id"
    return queryset.exclude(**{f"{area}__in": hidden_areas(user).values("pk")})


def visible_initiatives(user) -> QuerySet[Initiative]:
    """Every initiative `user` may see: what every read of initiatives starts from."""
    return visible(Initiative.objects.all(), user, "")


def can_see(user, initiative: Initiative) -> bool:
    """May `user` see this one initiative? (One query per area and user object — a
    request's — none for an administrator; a list uses `visible`, never this per row.)"""
    if is_unfiltered(user):
        return True
    seen = user.__dict__.setdefault("_sees_area", {})
    if initiative.area_id not in seen:
        seen[initiative.area_id] = not hidden_areas(user).filter(pk=initiative.area_id).exists()
    return seen[initiative.area_id]


def audience(initiative: Initiative) -> QuerySet:
    """The users who may see `initiative`: whom a notification or an email about it may
    reach. Everyone when its area is not private."""
    users = get_user_model().objects.all()
    area = Area.objects.filter(pk=initiative.area_id)
    if not area.filter(Exists(_above_or_same(restricted=True))).exists():
        return users
    path = area.values_list("path", flat=True).get()
    above_or_same = [path[:end] for end in range(Area.steplen, len(path) + 1, Area.steplen)]
    granting = Area.objects.filter(path__in=above_or_same)
    members = Area.members.through.objects.filter(area__in=granting).values("user_id")
    reviewers = Area.reviewers.through.objects.filter(area__in=granting).values("user_id")
    return users.filter(Q(is_superuser=True) | Q(pk__in=members) | Q(pk__in=reviewers))


def subtree(area: Area) -> QuerySet[Area]:
    """`area` and every area under it: one indexed `path LIKE 'prefix%'`."""
    return Area.objects.filter(path__startswith=area.path)


def in_subtree(queryset: QuerySet, area: Area, initiative: str = "initiative") -> QuerySet:
    """`queryset` narrowed to initiatives in `area`'s subtree (the area filters)."""
    lookup = f"{initiative}__area__path__startswith" if initiative else "area__path__startswith"
    return queryset.filter(**{lookup: area.path})


class VisibleOnlyAdmin:
    """For a ModelAdmin of something about initiatives: a staff member who is not an
    administrator lists and opens only the rows about initiatives they may see (a row
    they may not see is "not found", as everywhere). `initiative_lookup` is the lookup
    from the model to its initiative ("" for initiatives)."""

    initiative_lookup = "initiative"

    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user, self.initiative_lookup)


def narrowed(queryset: QuerySet, user, area: Area | None = None, initiative: str = "initiative"):
    """`visible(queryset, user, initiative)`, narrowed to `area`'s subtree when one is
    chosen: what a page's figures and totals sum over."""
    queryset = visible(queryset, user, initiative)
    return queryset if area is None else in_subtree(queryset, area, initiative)
