"""Deployments of medical teams and field hospitals allocated through the exchange: planned, on site, back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aidx.assistance.models import Allocation
from aidx.audit.services import record, snapshot
from aidx.catalogue.models import CapabilityType
from aidx.core.actors import is_system
from aidx.core.errors import BusinessError, PermissionDenied
from aidx.logistics.models import Deployment
from aidx.logistics.workflow import DEPLOYMENT, may_deploy
from aidx.nations.models import Site

DEPLOYABLE = (CapabilityType.Kind.MEDICAL_TEAM, CapabilityType.Kind.FIELD_HOSPITAL)


@transaction.atomic
def deployment_create(
    *,
    actor: Any,
    allocation: Allocation | int,
    site: str,
    starts: dt.date,
    ends: dt.date,
    doctors: int = 0,
    nurses: int = 0,
    paramedics: int = 0,
    other_staff: int = 0,
    languages: str = "",
    beds: int | None = None,
    icu_beds: int | None = None,
    notes: str = "",
    illustrative: bool = False,
    scenario_key: str = "",
) -> Deployment:
    """Send an allocated medical team or field hospital to a site for dates."""
    allocation = Allocation.objects.select_related(
        "offer_line__offer", "offer_line__capability", "request_line__request"
    ).get(pk=getattr(allocation, "pk", allocation))
    if not may_deploy(actor, allocation):
        raise PermissionDenied(_("Only the nations of the allocation or a coordinator can do this."))
    capability = allocation.offer_line.capability
    if capability is None or capability.kind not in DEPLOYABLE:
        raise BusinessError(_("Only a medical team or a field hospital is deployed."), code="not_deployable")
    if allocation.status not in Allocation.COMMITTED:
        raise BusinessError(_("Only an accepted allocation can be deployed."), code="not_accepted")
    target = Site.objects.filter(code=site).first()
    if target is None:
        raise BusinessError(_("Unknown site %(code)s.") % {"code": site}, field="site")
    if not isinstance(starts, dt.date) or not isinstance(ends, dt.date) or ends < starts:
        raise BusinessError(_("The deployment ends before it starts."), field="ends")
    counts = {"doctors": doctors, "nurses": nurses, "paramedics": paramedics, "other_staff": other_staff}
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in counts.values()):
        raise BusinessError(_("Staff numbers must be zero or more."), field="staff")
    hospital = allocation.quantity if capability.kind == CapabilityType.Kind.FIELD_HOSPITAL else 0
    deployment = Deployment.objects.create(
        allocation=allocation,
        site=target,
        starts=starts,
        ends=ends,
        languages=",".join(sorted({code.strip().lower() for code in languages.split(",") if code.strip()}))[:100],
        beds=beds if beds is not None else (capability.beds or 0) * hospital,
        icu_beds=icu_beds if icu_beds is not None else (capability.icu_beds or 0) * hospital,
        notes=notes[:500],
        illustrative=illustrative,
        created_by=None if is_system(actor) else actor,
        scenario_key=scenario_key,
        **counts,
    )
    record(actor=actor, action="deployment.create", target=deployment, after=snapshot(deployment))
    return deployment


def _locked(deployment: Deployment | int) -> Deployment:
    return (
        Deployment.objects.select_for_update(of=("self",))
        .select_related("allocation__offer_line__offer", "allocation__request_line__request")
        .get(pk=getattr(deployment, "pk", deployment))
    )


def _move(actor: Any, deployment: Deployment, name: str, **fields: Any) -> Deployment:
    before = snapshot(deployment)
    DEPLOYMENT.advance(deployment, name)
    for key, value in fields.items():
        setattr(deployment, key, value)
    deployment.save(update_fields=["status", *fields])
    record(actor=actor, action=f"deployment.{name}", target=deployment, before=before, after=snapshot(deployment))
    return deployment


@transaction.atomic
def deployment_arrive(*, actor: Any, deployment: Deployment | int, on: dt.date | None = None) -> Deployment:
    deployment = _locked(deployment)
    DEPLOYMENT.check(actor, deployment, "arrive")
    return _move(actor, deployment, "arrive", arrived_on=on or timezone.localdate())


@transaction.atomic
def deployment_return(*, actor: Any, deployment: Deployment | int, on: dt.date | None = None) -> Deployment:
    deployment = _locked(deployment)
    DEPLOYMENT.check(actor, deployment, "return")
    on = on or timezone.localdate()
    if on < deployment.arrived_on:  # type: ignore[operator]
        raise BusinessError(_("The return is before the arrival."), field="on")
    return _move(actor, deployment, "return", returned_on=on)


@transaction.atomic
def deployment_cancel(*, actor: Any, deployment: Deployment | int) -> Deployment:
    """Call off a deployment before the team or hospital arrives; the allocation stays as it is."""
    deployment = _locked(deployment)
    DEPLOYMENT.check(actor, deployment, "cancel")
    return _move(actor, deployment, "cancel")
