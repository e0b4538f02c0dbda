"""The audit log in words: each entry as a sentence in the reader's language.

An entry stores codes (its action "allocation.accept", its record "assistance.allocation" 12, field names such as
"decline_reason") so that the log stays the same whatever language it was written in. People read it as
"Italy's point of contact accepted allocation 12". The codes stay in the exports, beside the sentence.

Models are looked up by their label (django.apps), so the audit app knows no domain app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What an action did, with %(actor)s (who) and %(record)s (e.g. "allocation 12").
SENTENCES: dict[str, Promise] = {
    "request.create": gettext_lazy("%(actor)s created %(record)s"),
    "request.submit": gettext_lazy("%(actor)s circulated %(record)s"),
    "request.update": gettext_lazy("%(actor)s changed %(record)s"),
    "request.withdraw": gettext_lazy("%(actor)s withdrew %(record)s"),
    "request.expire": gettext_lazy("%(record)s expired: its needed-by date passed"),
    "offer.create": gettext_lazy("%(actor)s created %(record)s"),
    "offer.publish": gettext_lazy("%(actor)s published %(record)s"),
    "offer.withdraw": gettext_lazy("%(actor)s withdrew %(record)s"),
    "offer.expire": gettext_lazy("%(record)s expired: its availability ended"),
    "offer.line_quantity": gettext_lazy("%(actor)s changed a quantity of %(record)s"),
    "allocation.propose": gettext_lazy("%(actor)s proposed %(record)s"),
    "allocation.accept": gettext_lazy("%(actor)s accepted %(record)s"),
    "allocation.decline": gettext_lazy("%(actor)s declined %(record)s"),
    "allocation.cancel": gettext_lazy("%(actor)s cancelled %(record)s"),
    "admin.add": gettext_lazy("%(actor)s added %(record)s in the administration"),
    "admin.change": gettext_lazy("%(actor)s changed %(record)s in the administration"),
    "admin.delete": gettext_lazy("%(actor)s deleted %(record)s in the administration"),
    "allocation.lapse": gettext_lazy("%(record)s lapsed with its request or offer (%(actor)s)"),
    "allocation.ship": gettext_lazy("%(actor)s marked %(record)s shipped"),
    "allocation.deliver": gettext_lazy("%(actor)s confirmed the delivery of %(record)s"),
    "matchrun.start": gettext_lazy("%(actor)s started %(record)s"),
    "matchrun.succeed": gettext_lazy("%(record)s finished and is ready for review"),
    "matchrun.cancel": gettext_lazy("%(actor)s cancelled %(record)s"),
    "matchrun.drop": gettext_lazy("%(actor)s dropped a proposal from %(record)s"),
    "matchrun.keep": gettext_lazy("%(actor)s kept a proposal of %(record)s"),
    "matchrun.publish": gettext_lazy("%(actor)s published the proposals of %(record)s"),
    "planrun.start": gettext_lazy("%(actor)s started %(record)s"),
    "planrun.cancel": gettext_lazy("%(actor)s cancelled %(record)s"),
    "planrun.edit": gettext_lazy("%(actor)s edited the plan of %(record)s"),
    "planrun.approve": gettext_lazy("%(actor)s approved the plan of %(record)s"),
    "mission.create": gettext_lazy("%(actor)s planned %(record)s"),
    "mission.approve": gettext_lazy("%(actor)s approved %(record)s"),
    "mission.cancel": gettext_lazy("%(actor)s cancelled %(record)s"),
    "mission.airborne": gettext_lazy("%(record)s took off"),
    "mission.landed": gettext_lazy("%(record)s landed"),
    "mission.complete": gettext_lazy("%(record)s completed its last leg"),
    "mission.drop_load": gettext_lazy("%(actor)s took a load off %(record)s"),
    "leg.depart": gettext_lazy("%(actor)s recorded the take-off of %(record)s"),
    "leg.land": gettext_lazy("%(actor)s recorded the landing of %(record)s"),
    "aircraft.register": gettext_lazy("%(actor)s registered %(record)s"),
    "pool.create": gettext_lazy("%(actor)s created %(record)s"),
    "pool.hours": gettext_lazy("%(actor)s booked flight hours on %(record)s"),
    "deployment.create": gettext_lazy("%(actor)s planned %(record)s"),
    "deployment.arrive": gettext_lazy("%(actor)s recorded the arrival of %(record)s"),
    "deployment.return": gettext_lazy("%(actor)s recorded the return of %(record)s"),
    "stock.lot_create": gettext_lazy("%(actor)s received %(record)s into stock"),
    "stock.lot_quarantine": gettext_lazy("%(actor)s put %(record)s in quarantine"),
    "stock.lot_damage": gettext_lazy("%(actor)s marked %(record)s damaged"),
    "stock.lot_recall": gettext_lazy("%(actor)s recalled %(record)s"),
    "stock.lot_free": gettext_lazy("%(actor)s released %(record)s for use again"),
    "stock.lot_expire": gettext_lazy("%(record)s expired"),
    "fund.rate_set": gettext_lazy("%(actor)s set %(record)s"),
    "fund.order_create": gettext_lazy("%(actor)s drafted %(record)s"),
    "fund.order_approve": gettext_lazy("%(actor)s approved %(record)s"),
    "fund.order_cancel": gettext_lazy("%(actor)s cancelled %(record)s"),
    "fund.order_receive": gettext_lazy("%(actor)s received %(record)s"),
    "document.create": gettext_lazy("%(actor)s filed %(record)s"),
    "nation.create": gettext_lazy("%(actor)s registered %(record)s"),
    "nation.home_site": gettext_lazy("%(actor)s set the home airfield of %(record)s"),
    "membership.add": gettext_lazy("%(actor)s recorded %(record)s"),
    "membership.end": gettext_lazy("%(actor)s ended %(record)s"),
    "organisation.create": gettext_lazy("%(actor)s registered %(record)s"),
    "site.create": gettext_lazy("%(actor)s registered %(record)s"),
    "substitution.set": gettext_lazy("%(actor)s set %(record)s"),
    "item.create": gettext_lazy("%(actor)s added %(record)s to the catalogue"),
    "item.update": gettext_lazy("%(actor)s changed %(record)s"),
    "capabilitytype.create": gettext_lazy("%(actor)s added %(record)s to the catalogue"),
    "capabilitytype.update": gettext_lazy("%(actor)s changed %(record)s"),
    "user.create": gettext_lazy("%(actor)s created %(record)s"),
    "user.roles": gettext_lazy("%(actor)s changed the roles of %(record)s"),
    "user.deactivate": gettext_lazy("%(actor)s deactivated %(record)s"),
    "token.create": gettext_lazy("%(actor)s made %(record)s"),
    "token.revoke": gettext_lazy("%(actor)s revoked %(record)s"),
}
# A record that moved to a state ("request.met", "stock.lot_recalled"): the state's label from its model.
STATE_SENTENCE = gettext_lazy("%(record)s is now “%(state)s” (after a change by %(actor)s)")
# A booking ("stock.release", "fund.contribution"): the kind's label from its model.
KIND_SENTENCE = gettext_lazy("%(actor)s booked %(record)s: %(kind)s")
OTHER_SENTENCE = gettext_lazy("%(actor)s changed %(record)s")

# Whom a person speaks for, by their first role in this order.
ROLE_PHRASES: list[tuple[str, Promise]] = [
    ("coordinator", gettext_lazy("%(party)s's coordinator")),
    ("stockpile", gettext_lazy("%(party)s's stockpile manager")),
    ("logistics", gettext_lazy("%(party)s's logistics officer")),
    ("poc", gettext_lazy("%(party)s's point of contact")),
    ("viewer", gettext_lazy("a viewer at %(party)s")),
]


def model_of(target_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def record_types() -> list[tuple[str, str]]:
    """Every kind of record aidx keeps, as (label, name in the reader's language), by name."""
    kinds = [
        (model._meta.label_lower, str(model._meta.verbose_name))
        for model in apps.get_models()
        if model.__module__.startswith("aidx.") and model._meta.label_lower != "audit.auditentry"
    ]
    return sorted(kinds, key=lambda kind: kind[1].casefold())


def record_name(target_type: str, target_id: str) -> str:
    """'allocation 12', 'request for assistance 7', in the reader's language."""
    model = model_of(target_type)
    noun = str(model._meta.verbose_name) if model else target_type.rpartition(".")[2]
    return _("%(kind)s %(id)s") % {"kind": noun, "id": target_id}


def field_label(target_type: str, field: str) -> str:
    """A changed field by its label: 'decline_reason' of an allocation → 'reason for declining'."""
    model = model_of(target_type)
    try:
        label = getattr(model._meta.get_field(field), "verbose_name", None) if model else None
    except FieldDoesNotExist:
        label = None
    return str(label) if label else field.replace("_", " ")


def _choice_label(model: type[models.Model] | None, field: str, value: str) -> str | None:
    if model is None:
        return None
    try:
        choices = dict(getattr(model._meta.get_field(field), "flatchoices", None) or ())
    except FieldDoesNotExist:
        return None
    return str(choices[value]) if value in choices else None


def actor_name(entry: Any) -> str:
    """'Italy's point of contact', 'the coordination centre's coordinator'; 'aidx' for the system."""
    user = entry.actor
    if user is None:
        return _("aidx (automatic)") if entry.actor_name == "system" else entry.actor_name
    if user.nation_id:
        party = user.nation.name
    elif user.organisation_id:
        party = user.organisation.name
    else:
        return user.get_full_name() or entry.actor_name
    roles = {grant.role for grant in user.role_grants.all()}
    for role, phrase in ROLE_PHRASES:
        if role in roles:
            return str(phrase) % {"party": party}
    return party


def sentence(entry: Any, actor: str | None = None) -> str:
    """The entry as one sentence in the active language."""
    values = {
        "actor": actor if actor is not None else actor_name(entry),
        "record": record_name(entry.target_type, entry.target_id),
    }
    known = SENTENCES.get(entry.action)
    if known is not None:
        text = str(known) % values
    else:
        model = model_of(entry.target_type)
        suffix = entry.action.rpartition(".")[2].removeprefix("lot_")
        state = _choice_label(model, "status", suffix)
        kind = _choice_label(model, "kind", suffix)
        if state is not None:
            text = str(STATE_SENTENCE) % {**values, "state": state}
        elif kind is not None:
            text = str(KIND_SENTENCE) % {**values, "kind": kind}
        else:
            text = str(OTHER_SENTENCE) % values
    return text[:1].upper() + text[1:] + "."


def _value(target_type: str, field: str, value: Any) -> Any:
    """A changed value as people read it: a choice by its label ('accepted' → 'godteke' in Nynorsk)."""
    if isinstance(value, str):
        return _choice_label(model_of(target_type), field, value) or value
    return value


def with_sentences(entries: Iterable[Any]) -> list[Any]:
    """Entries with `.sentence`, `.actor_text`, `.record_text` and `.changed` (label, before, after) set; the actor's
    words are worked out once per person."""
    actors: dict[Any, str] = {}
    described = []
    for entry in entries:
        key = (entry.actor_id, entry.actor_name)
        if key not in actors:
            actors[key] = actor_name(entry)
        entry.actor_text = actors[key]
        entry.sentence = sentence(entry, actors[key])
        entry.record_text = record_name(entry.target_type, entry.target_id)
        entry.changed = [
            (field_label(entry.target_type, field), *(_value(entry.target_type, field, v) for v in values))
            for field, values in entry.changes.items()
        ]
        described.append(entry)
    return described
