"""Who hears about what: in-app notifications, and e-mail sent by the task worker in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aidx.accounts.models import Role, User
from aidx.nations.models import Organisation
from aidx.nations.policy import Viewer, may_see, viewer_for_owner
from aidx.nations.selectors import nations_on
from aidx.notifications.models import Notification


def _points_of_contact(*, nations: Iterable[str] = (), organisations: Iterable[int] = ()) -> list[User]:
    nations, organisations = list(nations), list(organisations)
    if not nations and not organisations:
        return []
    return list(
        User.objects.filter(is_active=True, role_grants__role=Role.POINT_OF_CONTACT)
        .filter(
            Q(nation_id__in=nations) | Q(organisation__nation_id__in=nations) | Q(organisation_id__in=organisations)
        )
        .select_related("organisation")
        .distinct()
    )


def _coordinators() -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, role_grants__role=Role.COORDINATOR, organisation__kind=Organisation.Kind.CENTRE
        ).distinct()
    )


def _owner(record: Any) -> str:
    """The owner as a reference the reader's language turns into a name (models.party)."""
    return record.owner_nation_id if record.owner_nation_id else f"org:{record.owner_organisation.code}"


def _what(line: Any) -> dict[str, str]:
    return {"item": line.item.code} if line.item_id else {"capability": line.capability.code}


def _owner_contacts(record: Any) -> list[User]:
    if record.owner_nation_id:
        return _points_of_contact(nations=[record.owner_nation_id])
    return _points_of_contact(organisations=[record.owner_organisation_id])


def _references(params: dict[str, Any]) -> dict[str, Any]:
    """Params as stored: numbers and codes as they are (rendered per reader by models.words), anything else as text."""
    return {k: v if v is None or isinstance(v, (str, int, float, bool)) else str(v) for k, v in params.items()}


def notify(users: Iterable[User], kind: str, params: dict[str, Any], url: str, *, exclude: User | None = None) -> int:
    """Create one notification per user (once each) and queue their e-mails after the transaction commits."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        rows.append(Notification(user=user, kind=kind, params=_references(params), url=url))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk is not None and n.user.email]
    if ids:
        from aidx.notifications.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.enqueue(ids))
    return len(created)


def request_circulated(request: Any) -> int:
    """Every other nation's point of contact who may see the request, and the coordinators."""
    today = timezone.localdate()
    standings = dict(nations_on(today).values_list("code", "standing"))
    named = set(request.release_to.values_list("code", flat=True))
    readers = [
        code
        for code in set(standings) | named
        if code != request.owner_nation_id
        and may_see(Viewer(on=today, nation=code, standing=standings.get(code)), request)
    ]
    users = _points_of_contact(nations=readers) + _coordinators()
    params = {"nation": _owner(request), "title": request.title}
    return notify(users, "request_circulated", params, f"/exchange/requests/{request.pk}/")


def offer_received(offer: Any) -> int:
    """The requesting nation hears of an offer in reply, if the offer is released to it: the notice names the
    offer's nation and links to it, so it is never sent where the offer itself may not be read."""
    request = offer.in_reply_to
    if not may_see(viewer_for_owner(request), offer):
        return 0
    params = {"nation": _owner(offer), "title": request.title}
    return notify(_owner_contacts(request), "offer_received", params, f"/exchange/offers/{offer.pk}/")


def allocation_proposed(allocation: Any) -> int:
    request = allocation.request_line.request
    offer = allocation.offer_line.offer
    params = {
        "quantity": allocation.quantity,
        **_what(allocation.offer_line),
        "from": _owner(offer),
        "title": request.title,
    }
    users = _owner_contacts(request) + _owner_contacts(offer)
    return notify(
        users, "allocation_proposed", params, f"/exchange/requests/{request.pk}/", exclude=allocation.proposed_by
    )


def allocation_decided(allocation: Any) -> int:
    request = allocation.request_line.request
    offer = allocation.offer_line.offer
    kind = "allocation_accepted" if allocation.status == "accepted" else "allocation_declined"
    params = {
        "nation": _owner(request),
        "quantity": allocation.quantity,
        **_what(allocation.offer_line),
        "title": request.title,
        "reason": allocation.decline_reason,
    }
    users = _owner_contacts(offer) + ([allocation.proposed_by] if allocation.proposed_by else [])
    return notify(users, kind, params, f"/exchange/offers/{offer.pk}/")


def lots_expired(lots: Iterable[Any]) -> int:
    """The stockpile managers hear of every lot the schedule expired, with what it still holds."""
    managers = list(User.objects.filter(is_active=True, role_grants__role=Role.STOCKPILE).distinct())
    sent = 0
    for lot in lots:
        params = {
            "lot": lot.lot_number,
            "item": lot.item.code,
            "date": lot.expiry_date.isoformat() if lot.expiry_date else "",
            "quantity": sum(lot.balances.values_list("on_hand", flat=True)),
        }
        sent += notify(managers, "lot_expired", params, f"/stockpile/lots/{lot.pk}/")
    return sent


@transaction.atomic
def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def subscription_paused(subscription: Any) -> int:
    """The owner of a webhook that kept failing hears that it was paused (aidx/interchange)."""
    params = {"name": subscription.name, "failures": subscription.failures, "url": subscription.url}
    return notify(
        _owner_contacts(subscription), "subscription_paused", params, f"/interchange/subscriptions/{subscription.pk}/"
    )
