"""Webhooks: subscriptions, the fan-out of events to them, signed deliveries with retries, and checking the
signature of what another node delivers here.

Events come from the audit log, which every write already goes through: the fan-out (a scheduled task) reads the
entries after its cursor and makes one delivery per subscription that may see the record (need-to-know for the
subscriber's nation, in the query). Nothing in the exchange's services has to know that webhooks exist.

A delivery is a POST signed with HMAC-SHA256 over "<timestamp>.<body>" with the subscription's secret
(`X-Aidx-Signature: sha256=<hex>`, `X-Aidx-Timestamp: <unix seconds>`, `X-Aidx-Subscription: <key>`); the receiver
refuses a timestamp more than five minutes away. Failures are retried with exponential backoff; deliveries of one
subscription go out in order (a later one waits for an earlier one that fails); after repeated failures the
subscription is paused and its owner told. A 409 "duplicate_message" answer counts as delivered: message ids are
idempotent, so a delivery whose answer was lost is not made twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.accounts.models import Role, User
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.audit.models import AuditEntry
from aidx.audit.services import record, snapshot
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError, PermissionDenied, Problems
from aidx.interchange.edxl import refuse
from aidx.interchange.models import Delivery, FanOutSeen, InboundLink, Subscription
from aidx.interchange.services import outbound
from aidx.interchange.services.references import own_id
from aidx.interchange.workflow import SUBSCRIPTION
from aidx.logistics.models import Deployment
from aidx.nations.models import Nation
from aidx.nations.policy import Viewer, may_see, viewer_for_owner
from aidx.notifications import services as notifications

logger = logging.getLogger("aidx.interchange")

REPLAY_WINDOW = dt.timedelta(minutes=5)
# audit action -> (event name, record model)
EVENTS: dict[str, tuple[str, Any]] = {
    "request.submit": ("request.submitted", AssistanceRequest),
    "offer.publish": ("offer.published", Offer),
    "allocation.propose": ("allocation.proposed", Allocation),
    "allocation.accept": ("allocation.accepted", Allocation),
    "allocation.decline": ("allocation.declined", Allocation),
    "allocation.ship": ("allocation.shipped", Allocation),
    "allocation.cancel": ("allocation.cancelled", Allocation),
    "deployment.arrive": ("deployment.arrived", Deployment),
    "deployment.return": ("deployment.returned", Deployment),
}
EVENT_NAMES = sorted({name for name, _model in EVENTS.values()})
FAN_OUT_BATCH = 500


# --- subscriptions ------------------------------------------------------------------------------------------------


def _owner(actor: Any) -> dict[str, Any]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_role(Role.POINT_OF_CONTACT, Role.COORDINATOR):
        raise PermissionDenied(_("Only a point of contact or a coordinator can subscribe."))
    if actor.acting_nation_id:
        return {"owner_nation_id": actor.acting_nation_id, "owner_organisation": None}
    if actor.organisation is not None:
        return {"owner_nation_id": None, "owner_organisation": actor.organisation}
    raise PermissionDenied(_("Your account belongs to no nation or organisation."))


@transaction.atomic
def subscription_create(
    *,
    actor: Any,
    name: str,
    url: str,
    events: Iterable[str],
    format: str = Subscription.Format.JSON,
    secret: str = "",
    remote_token: str = "",
    remote_actor: str = "",
    speaks_for: str = "",
) -> Subscription:
    """A new subscription; the secret is generated unless a linked node agreed one.

    A link to another node (one with `remote_token`) names the nation that token acts for there (`speaks_for`):
    only changes made for that nation travel through it."""
    owner = _owner(actor)
    problems = Problems()
    name = (name or "").strip()
    if not name or len(name) > 100:
        problems.add(_("Give a name of at most 100 characters."), "name")
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        problems.add(_("Give an http or https URL."), "url")
    events = sorted(set(events))
    if not events or set(events) - set(EVENT_NAMES):
        problems.add(_("Choose events among: %(names)s.") % {"names": ", ".join(EVENT_NAMES)}, "events")
    if format not in Subscription.Format.values:
        problems.add(_("Choose JSON or EDXL."), "format")
    if secret and not 16 <= len(secret) <= 100:
        problems.add(_("A shared secret has 16 to 100 characters."), "secret")
    linked = User.objects.filter(username=remote_actor).first() if remote_actor else None
    if remote_actor and linked is None:
        problems.add(_("Unknown user %(name)s.") % {"name": remote_actor}, "remote_actor")
    voice = Nation.objects.filter(code=(speaks_for or "").upper()).first() if speaks_for else None
    if speaks_for and voice is None:
        problems.add(_("Unknown nation %(code)s.") % {"code": speaks_for}, "speaks_for")
    elif remote_token and voice is None:
        problems.add(_("A link to another node names the nation its token acts for there."), "speaks_for")
    problems.raise_any()
    subscription = Subscription.objects.create(
        **owner,
        name=name,
        url=url,
        events=events,
        format=format,
        key="sub_" + secrets.token_hex(12),
        secret=secret or secrets.token_urlsafe(32),
        remote_token=remote_token[:200],
        remote_actor=linked,
        speaks_for=voice,
        created_by=actor,
    )
    record(
        actor=actor,
        action="subscription.create",
        target=subscription,
        after=snapshot(subscription, exclude=("secret", "remote_token")),
    )
    return subscription


def _move(actor: Any, subscription: Subscription, name: str) -> Subscription:
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    SUBSCRIPTION.check(actor, subscription, name)
    SUBSCRIPTION.advance(subscription, name)
    subscription.paused_at = timezone.now() if name == "pause" else None
    if name == "resume":
        subscription.failures = 0
        Delivery.objects.filter(subscription=subscription, status=Delivery.Status.PENDING).update(
            next_attempt_at=timezone.now()
        )
    subscription.save(update_fields=["status", "paused_at", "failures"])
    record(actor=actor, action=f"subscription.{name}", target=subscription, after={"status": subscription.status})
    return subscription


@transaction.atomic
def subscription_pause(*, actor: Any, subscription: Subscription) -> Subscription:
    return _move(actor, subscription, "pause")


@transaction.atomic
def subscription_resume(*, actor: Any, subscription: Subscription) -> Subscription:
    return _move(actor, subscription, "resume")


@transaction.atomic
def link_create(*, actor: Any, name: str, key: str, secret: str) -> InboundLink:
    """Accept deliveries signed by another node: its subscription's key and the secret both sides agreed."""
    if not (getattr(actor, "is_centre", False) and actor.has_role(Role.COORDINATOR)):
        raise PermissionDenied(_("Only a coordinator of the centre can link another node."))
    if not key or len(key) > 40 or not 16 <= len(secret or "") <= 100 or not (name or "").strip():
        raise BusinessError(_("Give a name, the other node's key and a secret of 16 to 100 characters."), field="key")
    if InboundLink.objects.filter(key=key).exists():
        raise BusinessError(_("A link with this key exists already."), field="key", code="duplicate", status=409)
    link = InboundLink.objects.create(key=key, secret=secret, name=name.strip()[:100], created_by=actor)
    record(actor=actor, action="link.create", target=link, after={"key": key, "name": link.name})
    return link


# --- signatures --------------------------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(*, key: str, timestamp: str, signature: str, body: bytes, now: float | None = None) -> InboundLink:
    """The link whose secret signed `body` at `timestamp`, or MessageRefused (401): unknown key, wrong signature,
    or a timestamp outside the replay window."""
    link = InboundLink.objects.filter(key=key).first()
    expected = sign(link.secret, timestamp, body) if link is not None else ""
    if link is None or not hmac.compare_digest(expected, signature or ""):
        raise refuse("bad_signature", _("The signature does not match."), where="X-Aidx-Signature", status=401)
    try:
        sent = float(timestamp)
    except ValueError:
        sent = 0.0
    if abs((now if now is not None else time.time()) - sent) > REPLAY_WINDOW.total_seconds():
        raise refuse(
            "stale_timestamp",
            _("The timestamp is more than five minutes away from this node's clock."),
            where="X-Aidx-Timestamp",
            status=401,
        )
    return link


# --- fan-out -----------------------------------------------------------------------------------------------------


def subscriber_viewer(subscription: Subscription) -> Viewer:
    return viewer_for_owner(subscription)  # type: ignore[arg-type]  # the same owner fields as a Releasable


def _visible(viewer: Viewer, record_: Any) -> bool:
    """Need-to-know for the subscriber: a request or offer by its releasability, an allocation (and a deployment
    of one) by its two parties."""
    if isinstance(record_, (AssistanceRequest, Offer)):
        return may_see(viewer, record_)
    allocation = record_.allocation if isinstance(record_, Deployment) else record_
    if viewer.is_centre:
        return True
    parties = (allocation.request_line.request, allocation.offer_line.offer)
    return any(
        (viewer.nation is not None and p.owner_nation_id == viewer.nation)
        or (viewer.organisation is not None and p.owner_organisation_id == viewer.organisation)
        for p in parties
    )


def _json_body(event: str, message_id: str, record_: Any, viewer: Viewer) -> dict[str, Any]:
    data: dict[str, Any] = {"id": message_id, "event": event, "sent_at": timezone.now().isoformat()}
    if isinstance(record_, AssistanceRequest):
        data["request"] = {
            "id": record_.pk,
            "title": record_.title,
            "nation": record_.owner_nation_id,
            "status": record_.status,
            "needed_by": record_.needed_by.isoformat(),
            "lines": [
                {
                    "item": line.item.code if line.item else None,
                    "capability": line.capability.code if line.capability else None,
                    "quantity": line.quantity,
                }
                for line in record_.lines.select_related("item", "capability")
            ],
        }
    elif isinstance(record_, Offer):
        reply = record_.in_reply_to
        data["offer"] = {
            "id": record_.pk,
            "title": record_.title,
            "nation": record_.owner_nation_id,
            "status": record_.status,
            # a reply names its request only to a subscriber who may see that request
            "in_reply_to": reply.pk if reply is not None and may_see(viewer, reply) else None,
        }
    else:
        allocation = record_.allocation if isinstance(record_, Deployment) else record_
        data["allocation"] = {
            "id": allocation.pk,
            "status": allocation.status,
            "quantity": allocation.quantity,
            "request": allocation.request_line.request_id,
            "offer": allocation.offer_line.offer_id,
        }
        if isinstance(record_, Deployment):
            data["deployment"] = {"id": record_.pk, "status": record_.status, "site": record_.site.code}
    return data


def _body(
    subscription: Subscription, event: str, action: str, record_: Any, message_id: str, viewer: Viewer
) -> tuple[str, str] | None:
    if subscription.format == Subscription.Format.JSON:
        return json.dumps(_json_body(event, message_id, record_, viewer)), "application/json"
    if isinstance(record_, Offer) and record_.in_reply_to_id:
        return None  # in EDXL-RM a reply travels with its allocations (ResponseToRequestResource)
    return outbound.as_xml(record_, event=action.split(".")[1]).decode(), "application/xml"


def lookback() -> dt.timedelta:
    return dt.timedelta(seconds=settings.AIDX_WEBHOOK_LOOKBACK_SECONDS)


def _speakers(entries: list[dict[str, Any]]) -> dict[int, str | None]:
    """The nation each entry's actor spoke for (None for the system or an organisation of no nation)."""
    actors = User.objects.filter(pk__in={e["actor_id"] for e in entries if e["actor_id"]}).select_related(
        "organisation"
    )
    return {user.pk: user.acting_nation_id for user in actors}


def _travels(subscription: Subscription, event: str, entry: dict[str, Any], speakers: dict[int, str | None]) -> bool:
    if event not in subscription.events or entry["at"] < subscription.created_at:
        return False  # not asked for, or from before the subscription
    if entry["actor_id"] is not None and entry["actor_id"] == subscription.remote_actor_id:
        return False  # the other node's own change coming back to it
    if subscription.speaks_for_id is not None:
        return speakers.get(entry["actor_id"]) == subscription.speaks_for_id
    return True


def fan_out(*, limit: int = FAN_OUT_BATCH, now: dt.datetime | None = None) -> int:
    """Turn new audit entries into deliveries; safe to run twice, or two at once (one delivery per subscription and
    message).

    Entries are read by what the fan-out has not seen yet within a look-back window, not past the highest id read:
    on PostgreSQL ids are taken when a row is written and become visible when its transaction commits, so a
    transaction committing late shows an entry below ids already read. Any transaction that commits within the
    window (AIDX_WEBHOOK_LOOKBACK_SECONDS, an hour by default) is sent; SQLite writes one transaction at a time."""
    horizon = (now or timezone.now()) - lookback()
    made = 0
    with transaction.atomic():
        FanOutSeen.objects.filter(at__lt=horizon).delete()  # never read again
        entries = list(
            AuditEntry.objects.filter(action__in=list(EVENTS), at__gte=horizon)
            .exclude(id__in=FanOutSeen.objects.values("entry"))
            .order_by("id")
            .values("id", "at", "action", "target_id", "actor_id")[:limit]
        )
        if not entries:
            return 0
        speakers = _speakers(entries)
        subscriptions = list(Subscription.objects.select_related("owner_organisation"))
        for entry in entries:
            event, model = EVENTS[entry["action"]]
            record_ = model.objects.filter(pk=entry["target_id"]).first()
            if record_ is None:
                continue
            kind = model._meta.model_name.replace("assistancerequest", "request")
            message_id = f"{own_id(kind, record_.pk)}:{entry['action'].split('.')[1]}:{entry['id']}"
            for subscription in subscriptions:
                if not _travels(subscription, event, entry, speakers):
                    continue
                viewer = subscriber_viewer(subscription)
                if not _visible(viewer, record_):
                    continue
                body = _body(subscription, event, entry["action"], record_, message_id, viewer)
                if body is None:
                    continue
                try:
                    with transaction.atomic():
                        Delivery.objects.create(
                            subscription=subscription,
                            event=event,
                            message_id=message_id,
                            target_type=kind,
                            target_id=record_.pk,
                            body=body[0],
                            content_type=body[1],
                            next_attempt_at=timezone.now(),
                        )
                    made += 1
                except IntegrityError:
                    pass  # made by an earlier run, or by one running beside this one
        FanOutSeen.objects.bulk_create([FanOutSeen(entry=e["id"], at=e["at"]) for e in entries], ignore_conflicts=True)
    return made


# --- delivery ----------------------------------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    seconds = settings.AIDX_WEBHOOK_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, settings.AIDX_WEBHOOK_BACKOFF_MAX_SECONDS))


def _post(subscription: Subscription, delivery: Delivery) -> tuple[int, str]:
    body = delivery.body.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": delivery.content_type,
        "X-Aidx-Subscription": subscription.key,
        "X-Aidx-Timestamp": timestamp,
        "X-Aidx-Signature": sign(subscription.secret, timestamp, body),
        "X-Aidx-Event": delivery.event,
        "X-Aidx-Message": delivery.message_id,
    }
    if subscription.remote_token:
        headers["Authorization"] = f"Bearer {subscription.remote_token}"
    request = urllib.request.Request(subscription.url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.AIDX_WEBHOOK_TIMEOUT_SECONDS) as answer:  # noqa: S310
            return answer.status, ""
    except urllib.error.HTTPError as error:
        text = error.read(2000).decode(errors="replace")
        return error.code, text
    except (urllib.error.URLError, OSError) as error:
        return 0, str(getattr(error, "reason", error))[:500]


def _delivered(status: int, text: str) -> bool:
    return 200 <= status < 300 or (status == 409 and '"duplicate_message"' in text)


def deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send the deliveries that are due, oldest first per subscription; returns how many were delivered."""
    now = now or timezone.now()
    delivered = 0
    for subscription in Subscription.objects.filter(status=Subscription.Status.ACTIVE):
        for delivery in Delivery.objects.filter(subscription=subscription, status=Delivery.Status.PENDING).order_by(
            "id"
        )[:limit]:
            if delivery.next_attempt_at and delivery.next_attempt_at > now:
                break  # keep the order: nothing overtakes a delivery waiting for its retry
            status, text = _post(subscription, delivery)
            if _finish(subscription, delivery, status, text):
                delivered += 1
                continue
            break
    return delivered


@transaction.atomic
def _finish(subscription: Subscription, delivery: Delivery, status: int, text: str) -> bool:
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    delivery.attempts += 1
    delivery.last_status_code = status or None
    if _delivered(status, text):
        delivery.status, delivery.delivered_at, delivery.last_error = Delivery.Status.DELIVERED, timezone.now(), ""
        delivery.save(update_fields=["attempts", "last_status_code", "status", "delivered_at", "last_error"])
        if subscription.failures:
            subscription.failures = 0
            subscription.save(update_fields=["failures"])
        return True
    delivery.last_error = (text or _("no answer"))[:500]
    delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save(update_fields=["attempts", "last_status_code", "last_error", "next_attempt_at"])
    subscription.failures += 1
    subscription.save(update_fields=["failures"])
    logger.warning(
        "interchange: delivery %s to %s failed (%s): %s",
        delivery.pk,
        subscription.url,
        status,
        delivery.last_error[:200],
    )
    if subscription.failures >= settings.AIDX_WEBHOOK_PAUSE_AFTER and subscription.status == Subscription.Status.ACTIVE:
        _move(SYSTEM, subscription, "pause")
        notifications.subscription_paused(subscription)
    return False
