"""Web forms of the airlift: register an aircraft, deploy a team or field hospital (and record its arrival and
return), plan a mission by hand, and name the tasking nation when a planner proposal flies a pool aircraft.

The forms only shape input; every rule is checked by the services, whose `BusinessError`s the views put back on
the field they name (see `put_error`). The choices come from the selectors, so nobody is offered what they may
not see.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aidx.assistance import selectors as exchange_selectors
from aidx.assistance.models import Allocation
from aidx.catalogue import selectors as catalogue_selectors
from aidx.catalogue.models import CapabilityType
from aidx.core.forms import BoundedIntegerField, bounded_formset
from aidx.logistics import selectors, services
from aidx.logistics.models import Aircraft
from aidx.logistics.workflow import may_operate, may_register, may_task
from aidx.nations import selectors as nation_selectors
from aidx.nations.models import Nation, Site
from aidx.nations.policy import viewer_for

MAX_WINDOWS = 10
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def airfield_choices(empty: str | None = None) -> list[tuple[str, str]]:
    choices = [(s.code, f"{s.name} ({s.code})") for s in nation_selectors.sites(kind=Site.Kind.AIRFIELD)]
    return [("", empty), *choices] if empty is not None else choices


def site_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((s.code, f"{s.name} ({s.code})") for s in nation_selectors.sites())]


def _allocation_label(allocation: Allocation) -> str:
    offer, request = allocation.offer_line.offer, allocation.request_line.request
    offerer = offer.owner_nation_id or offer.owner_organisation or "?"
    requester = request.owner_nation_id or request.owner_organisation or "?"
    return f"#{allocation.pk} {allocation.quantity} × {allocation.offer_line.what} · {offerer} → {requester}"


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """The form's choice field `name`, to set its choices."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


# --- aircraft ------------------------------------------------------------------------------------------------


class AircraftForm(forms.Form):
    capability = forms.ChoiceField(label=_("Type"))
    tail = forms.CharField(label=_("Tail number or call sign"), max_length=40)
    owner = forms.ChoiceField(label=_("Owner"), help_text=_("A nation, an organisation or a pool."))
    home = forms.ChoiceField(label=_("Home airfield"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = (CapabilityType.Kind.AIRCRAFT, CapabilityType.Kind.MEDEVAC)
        _choice_field(self, "capability").choices = [("", "—")] + [
            (c.code, str(c)) for kind in kinds for c in catalogue_selectors.capability_types(kind=kind)
        ]
        # the owners the user may register aircraft for (a logistics officer: their own nation's only)
        nations = [
            (f"nation:{n.code}", f"{n.name} ({n.code})") for n in Nation.objects.all() if may_register(user, n.code)
        ]
        owners: list[Any] = nations
        if may_register(user, None):
            owners = [
                (_("Nations"), nations),
                (_("Pools"), [(f"pool:{p.code}", str(p)) for p in selectors.pools()]),
                (_("Organisations"), [(f"organisation:{o.pk}", str(o)) for o in nation_selectors.organisations()]),
            ]
        _choice_field(self, "owner").choices = [("", "—"), *owners]
        if len(owners) == 1:
            self.fields["owner"].initial = owners[0][0]
        _choice_field(self, "home").choices = airfield_choices("—")

    def owner_input(self) -> dict[str, Any]:
        kind, _sep, value = self.cleaned_data["owner"].partition(":")
        if kind == "organisation":
            organisation = nation_selectors.organisations().filter(pk=value).first() if value.isdigit() else None
            return {"owner_organisation": organisation}
        return {"owner_nation" if kind == "nation" else "pool": value}


class WindowForm(forms.Form):
    starts = forms.DateTimeField(label=_("Available from (UTC)"), widget=DATETIME)
    ends = forms.DateTimeField(label=_("Available until (UTC)"), widget=DATETIME)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("An availability window ends before it starts."))
        return data


WindowFormSet = bounded_formset(WindowForm, max_forms=MAX_WINDOWS, extra=2)


# --- deployments ---------------------------------------------------------------------------------------------


class DeploymentForm(forms.Form):
    allocation = forms.TypedChoiceField(label=_("Team or field hospital"), coerce=int)
    site = forms.ChoiceField(label=_("Site"))
    starts = forms.DateField(label=_("From"), widget=DATE)
    ends = forms.DateField(label=_("Until"), widget=DATE)
    doctors = BoundedIntegerField(label=_("Doctors"), min_value=0, initial=0)
    nurses = BoundedIntegerField(label=_("Nurses"), min_value=0, initial=0)
    paramedics = BoundedIntegerField(label=_("Paramedics and rescuers"), min_value=0, initial=0)
    other_staff = BoundedIntegerField(label=_("Other staff"), min_value=0, initial=0)
    languages = forms.CharField(
        label=_("Languages"), max_length=100, required=False, help_text=_("ISO 639 codes, comma-separated.")
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allocations = (
            exchange_selectors.allocations_visible_to(viewer_for(user))
            .filter(status__in=Allocation.COMMITTED, offer_line__capability__kind__in=services.DEPLOYABLE)
            .select_related("offer_line__capability")
        )
        _choice_field(self, "allocation").choices = [("", "—"), *((a.pk, _allocation_label(a)) for a in allocations)]
        _choice_field(self, "site").choices = site_choices()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts") and data.get("ends") and data["ends"] < data["starts"]:
            self.add_error("ends", _("The deployment ends before it starts."))
        return data


class DeploymentEventForm(forms.Form):
    """The day a deployment arrived on site or came back home."""

    on = forms.DateField(label=_("On"), widget=DATE)


# --- missions ------------------------------------------------------------------------------------------------


class MissionForm(forms.Form):
    aircraft = forms.TypedChoiceField(label=_("Aircraft"), coerce=int)
    tasked_by = forms.ChoiceField(
        label=_("Tasked by"),
        required=False,
        help_text=_("For a pool aircraft: the member nation whose flight hours the mission uses."),
    )
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fleet = [a for a in selectors.fleet().filter(active=True) if may_operate(user, a)]
        _choice_field(self, "aircraft").choices = [("", "—"), *((a.pk, f"{a} · {a.owner}") for a in fleet)]
        _choice_field(self, "tasked_by").choices = tasking_choices([a for a in fleet if a.pool_id], user)


def tasking_choices(aircraft: list[Aircraft], user: Any) -> list[tuple[str, str]]:
    """The member nations of the pools of `aircraft` whose flight hours the user may use."""
    members = {m.nation_id for a in aircraft if a.pool is not None for m in a.pool.memberships.all()}
    codes = sorted(code for code in members if may_task(user, code))
    nations = Nation.objects.filter(code__in=codes)
    return [("", "—"), *((n.code, f"{n.name} ({n.code})") for n in nations)]


class LegForm(forms.Form):
    origin = forms.ChoiceField(label=_("From"))
    destination = forms.ChoiceField(label=_("To"))
    etd = forms.DateTimeField(label=_("ETD (UTC)"), widget=DATETIME)
    eta = forms.DateTimeField(label=_("ETA (UTC)"), widget=DATETIME)

    def __init__(self, *args: Any, airfields: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "origin").choices = _choice_field(self, "destination").choices = airfields

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("etd") and data.get("eta") and data["eta"] <= data["etd"]:
            self.add_error("eta", _("The leg arrives before it departs."))
        return data


class LoadForm(forms.Form):
    allocation = forms.TypedChoiceField(label=_("Allocation"), coerce=int)
    quantity = BoundedIntegerField(
        label=_("Quantity"), min_value=1, required=False, help_text=_("Empty: all not yet on a mission.")
    )
    board = BoundedIntegerField(
        label=_("Boards on leg"), min_value=1, required=False, widget=forms.NumberInput(attrs={"placeholder": "1"})
    )
    unload = BoundedIntegerField(label=_("Unloaded after leg"), min_value=1, required=False)

    def __init__(self, *args: Any, allocations: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "allocation").choices = allocations


LegFormSet = bounded_formset(LegForm, max_forms=services.MAX_LEGS, extra=2)
LoadFormSet = bounded_formset(LoadForm, max_forms=50, extra=3)


def loadable_allocations(user: Any) -> list[tuple[Any, str]]:
    """Accepted (or partly shipped) allocations the user is a party to, that travel as cargo or patients."""
    allocations = (
        exchange_selectors.allocations_visible_to(viewer_for(user))
        .filter(status__in=(Allocation.Status.ACCEPTED, Allocation.Status.SHIPPED))
        .exclude(offer_line__capability__kind__in=services.DEPLOYABLE)
    )
    return [("", "—"), *((a.pk, _allocation_label(a)) for a in allocations)]


def mission_forms(user: Any, data: Any = None) -> tuple[MissionForm, Any, Any]:
    airfields = airfield_choices("—")
    return (
        MissionForm(data, user=user),
        LegFormSet(data, prefix="legs", form_kwargs={"airfields": airfields}),
        LoadFormSet(data, prefix="loads", form_kwargs={"allocations": loadable_allocations(user)}),
    )


def filled(formset: Any) -> list[forms.Form]:
    """The forms of a (valid) formset that are not left blank, in order."""
    return [form for form in formset.forms if form.has_changed() and form.cleaned_data]


# --- planner review ------------------------------------------------------------------------------------------


class ApproveForm(forms.Form):
    tasked_by = forms.ChoiceField(
        label=_("Tasked by"), help_text=_("The pool member nation whose flight hours the pool aircraft use.")
    )

    def __init__(self, *args: Any, user: Any, aircraft: list[Aircraft], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = tasking_choices(aircraft, user)
        _choice_field(self, "tasked_by").choices = choices
        if any(code == user.acting_nation_id for code, _n in choices if code):
            self.fields["tasked_by"].initial = user.acting_nation_id


def put_error(form: forms.Form, error: Any, *, rename: dict[str, str] | None = None) -> None:
    """Put a service's BusinessError on the field it names (or on the form)."""
    field = (rename or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error.message))
