"""Need-to-know: the one place that decides which records a user may see.

Every releasable record has an owner (a nation or an organisation) and a releasability:
allies only, allies and partners, or named nations only (bilateral). It is always visible to its
owner and to the central coordination centre. Standing (ally, partner) is taken on the day of viewing.

`visible()` narrows a queryset in the database; `may_see()` answers for one record in Python.
They must agree: `aidx/nations/tests/test_policy.py` checks that over random worlds.
Selectors call `visible()`; nothing else filters by releasability.

A record that answers or derives from another (an offer in reply to a request) reveals what it answers, so it is
never released more widely: `check_derived_releasability()` is that rule, for every service that makes one, and
`derived_releasability()` the widest choice it may offer as a default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aidx.core.errors import BusinessError
from aidx.nations.models import Membership, Nation, Organisation

if TYPE_CHECKING:
    from aidx.accounts.models import User

M = TypeVar("M", bound=models.Model)


class Releasability(models.TextChoices):
    ALLIES = "allies", _("allies only")
    ALLIES_AND_PARTNERS = "allies_partners", _("allies and partners")
    NAMED = "named", _("named nations only")


class Releasable(models.Model):
    """Mixin for every record that need-to-know applies to."""

    owner_nation = models.ForeignKey(
        Nation, verbose_name=_("owner nation"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owner organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    releasability = models.CharField(
        _("releasable to"), max_length=20, choices=Releasability.choices, default=Releasability.ALLIES_AND_PARTNERS
    )
    release_to = models.ManyToManyField(Nation, verbose_name=_("named nations"), blank=True, related_name="+")

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_nation__isnull=False) | Q(owner_organisation__isnull=False),
                name="%(app_label)s_%(class)s_has_owner",
            )
        ]


def validate_releasability(releasability: str, release_to: list[Nation] | None) -> None:
    """For every releasable record's service: a known choice, and named nations with (and only with) NAMED."""
    if releasability not in Releasability.values:
        raise BusinessError(
            gettext("Unknown releasability: %(value)s.") % {"value": releasability}, field="releasability"
        )
    if releasability == Releasability.NAMED and not release_to:
        raise BusinessError(gettext("Name at least one nation to release it to."), field="release_to")
    if releasability != Releasability.NAMED and release_to:
        raise BusinessError(gettext("Named nations apply only to bilateral releasability."), field="release_to")


@dataclass(frozen=True)
class Viewer:
    """Who is looking, resolved once per request: affiliation and standing on the day."""

    on: dt.date
    is_centre: bool = False
    nation: str | None = None
    organisation: int | None = None
    standing: str | None = None  # Membership.Kind value, or None for an outsider

    @property
    def is_ally(self) -> bool:
        return self.standing == Membership.Kind.ALLY

    @property
    def is_partner(self) -> bool:
        return self.standing == Membership.Kind.PARTNER


def standing_on(on: dt.date, *, nation: str | None = None, organisation: int | None = None) -> str | None:
    if nation is None and organisation is None:
        return None
    party = Q(nation_id=nation) if nation is not None else Q(organisation_id=organisation)
    kinds = Membership.objects.filter(party, valid_from__lte=on).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=on)
    )
    return kinds.values_list("kind", flat=True).first()


def viewer_for(user: User | Any, on: dt.date | None = None) -> Viewer:
    on = on or timezone.localdate()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Viewer(on=on)
    organisation = user.organisation
    if organisation is not None and organisation.kind == Organisation.Kind.CENTRE:
        return Viewer(on=on, is_centre=True, organisation=organisation.pk)
    nation = user.nation_id or (organisation.nation_id if organisation is not None else None)
    org_id = organisation.pk if organisation is not None else None
    if nation is not None:
        standing = standing_on(on, nation=nation)
    else:
        standing = standing_on(on, organisation=org_id)
    return Viewer(on=on, nation=nation, organisation=org_id, standing=standing)


def as_viewer(who: Viewer | User | Any) -> Viewer:
    """A Viewer as given, or the one for a user today."""
    return who if isinstance(who, Viewer) else viewer_for(who)


def visible_q(model: type[models.Model], viewer: Viewer) -> Q:
    if viewer.is_centre:
        return Q()
    conditions = Q(pk__in=[])
    if viewer.nation is not None:
        conditions |= Q(owner_nation_id=viewer.nation)
        named = model.release_to.through.objects.filter(nation_id=viewer.nation)  # type: ignore[attr-defined]
        record_column = f"{model._meta.model_name}_id"
        conditions |= Q(releasability=Releasability.NAMED, pk__in=named.values(record_column))
    if viewer.organisation is not None:
        conditions |= Q(owner_organisation_id=viewer.organisation)
    if viewer.is_ally:
        conditions |= Q(releasability__in=[Releasability.ALLIES, Releasability.ALLIES_AND_PARTNERS])
    elif viewer.is_partner:
        conditions |= Q(releasability=Releasability.ALLIES_AND_PARTNERS)
    return conditions


def visible(queryset: QuerySet[M], who: Viewer | User | Any) -> QuerySet[M]:
    """The records of `queryset` that `who` may see, filtered in the database."""
    return queryset.filter(visible_q(queryset.model, as_viewer(who)))


def may_see(who: Viewer | User | Any, record: Releasable) -> bool:
    """The same rule for one record already in memory."""
    viewer = as_viewer(who)
    if viewer.is_centre:
        return True
    if viewer.nation is not None and record.owner_nation_id == viewer.nation:
        return True
    if viewer.organisation is not None and record.owner_organisation_id == viewer.organisation:
        return True
    if record.releasability == Releasability.ALLIES_AND_PARTNERS:
        return viewer.is_ally or viewer.is_partner
    if record.releasability == Releasability.ALLIES:
        return viewer.is_ally
    if record.releasability == Releasability.NAMED and viewer.nation is not None:
        return record.release_to.filter(pk=viewer.nation).exists()
    return False


def viewer_for_nation(code: str, on: dt.date | None = None) -> Viewer:
    """How a nation (its point of contact) stands on a day: to ask what a nation may see, not a user."""
    on = on or timezone.localdate()
    return Viewer(on=on, nation=code, standing=standing_on(on, nation=code))


def derived_releasability(source: Releasable) -> tuple[str, list[str]]:
    """The widest releasability a record answering `source` may have, as a form's default: the source's own;
    for a bilateral source, its named nations and its owner nation."""
    if source.releasability != Releasability.NAMED:
        return source.releasability, []
    named = {nation.code for nation in source.release_to.all()}
    if source.owner_nation_id:
        named.add(source.owner_nation_id)
    return Releasability.NAMED, sorted(named)


def check_derived_releasability(
    source: Releasable,
    releasability: str,
    release_to: Iterable[Nation | str],
    *,
    on: dt.date | None = None,
) -> None:
    """A record that answers or derives from `source` (it names or quotes it) is never released more widely: all
    it is released to must be able to see `source` on the day (its own owner is checked apart, as the one who
    read `source` to answer it). Raises the BusinessError that says what is too wide."""
    widest: dict[str, int] = {Releasability.ALLIES_AND_PARTNERS: 2, Releasability.ALLIES: 1}
    if releasability in widest:
        if widest[releasability] > widest.get(source.releasability, 0):
            raise BusinessError(
                gettext(
                    "What this answers is released to: %(source)s. Release this no more widely (as that, or to "
                    "named nations that may see it)."
                )
                % {"source": Releasability(source.releasability).label},
                code="wider_than_source",
                field="releasability",
            )
        return
    codes = sorted({str(getattr(nation, "code", nation)) for nation in release_to})
    blind = [code for code in codes if not may_see(viewer_for_nation(code, on), source)]
    if blind:
        raise BusinessError(
            gettext("%(nations)s may not see what this answers: name only nations that may.")
            % {"nations": ", ".join(blind)},
            code="wider_than_source",
            field="release_to",
        )


def parties_q(viewer: Viewer, *paths: str) -> Q:
    """For records that only their parties see (an allocation: the requesting and the offering nation).

    `paths` lead from the record to Releasable owners, e.g. "request_line__request". The centre sees all.
    """
    if viewer.is_centre:
        return Q()
    conditions = Q(pk__in=[])
    for path in paths:
        if viewer.nation is not None:
            conditions |= Q(**{f"{path}__owner_nation_id": viewer.nation})
        if viewer.organisation is not None:
            conditions |= Q(**{f"{path}__owner_organisation_id": viewer.organisation})
    return conditions


def visible_to_parties(queryset: QuerySet[M], who: Viewer | User | Any, *paths: str) -> QuerySet[M]:
    return queryset.filter(parties_q(as_viewer(who), *paths))


def viewer_for_owner(record: Releasable, on: dt.date | None = None) -> Viewer:
    """How the record's owner (a nation or an organisation) stands: used to check what may be linked to it."""
    on = on or timezone.localdate()
    if record.owner_nation_id:
        return Viewer(on=on, nation=record.owner_nation_id, standing=standing_on(on, nation=record.owner_nation_id))
    organisation = record.owner_organisation
    if organisation is not None and organisation.kind == Organisation.Kind.CENTRE:
        return Viewer(on=on, is_centre=True, organisation=organisation.pk)
    return Viewer(
        on=on,
        organisation=record.owner_organisation_id,
        standing=standing_on(on, organisation=record.owner_organisation_id),
    )


def owned_q(who: Viewer | User | Any) -> Q:
    """Records owned by the viewer's nation or organisation (the centre owns only its own)."""
    viewer = as_viewer(who)
    conditions = Q(pk__in=[])
    if viewer.nation is not None:
        conditions |= Q(owner_nation_id=viewer.nation)
    if viewer.organisation is not None:
        conditions |= Q(owner_organisation_id=viewer.organisation)
    return conditions


def owned_by(who: Viewer | User | Any, record: Releasable) -> bool:
    viewer = as_viewer(who)
    return (viewer.nation is not None and record.owner_nation_id == viewer.nation) or (
        viewer.organisation is not None and record.owner_organisation_id == viewer.organisation
    )


def get_visible_or_404(queryset: QuerySet[M], who: Viewer | User | Any, **lookup: Any) -> M:
    """A record the user may see, or 404: never 403, which would tell that it exists."""
    try:
        return visible(queryset, who).get(**lookup)
    except queryset.model.DoesNotExist as missing:  # type: ignore[attr-defined]
        raise Http404 from missing
