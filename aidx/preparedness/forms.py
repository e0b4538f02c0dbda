from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aidx.assistance.forms import ReleasabilityFields
from aidx.assistance.models import Offer
from aidx.catalogue.models import Item
from aidx.core import formatting
from aidx.core.errors import BusinessError
from aidx.core.forms import AmountField, BoundedIntegerField, bounded_formset, minor_units
from aidx.nations.models import Nation
from aidx.nations.policy import Releasability
from aidx.optimize.preparedness.model import MAX_HORIZON, Seir
from aidx.preparedness import selectors
from aidx.preparedness.models import Basis, ConsumptionRate, Plan, WaveScenario
from aidx.preparedness.services import PARAMETER_LABELS, PledgeInput, RateInput


class PledgeForm(forms.Form):
    item = forms.CharField(label=_("Item code"), max_length=40, required=False)
    capability = forms.CharField(label=_("or capability code"), max_length=40, required=False)
    quantity = forms.CharField(label=_("Quantity"), max_length=12)
    notice_days = forms.CharField(label=_("Notice to move (days)"), max_length=6)
    origin_site = forms.CharField(label=_("Origin site code"), max_length=40)
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    terms = forms.ChoiceField(label=_("Terms"), choices=Offer.Terms.choices)
    releasability = forms.ChoiceField(
        label=_("Releasable to"),
        choices=[c for c in Releasability.choices if c[0] != Releasability.NAMED],
        initial=Releasability.ALLIES_AND_PARTNERS,
    )

    def service_input(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "pledges": [
                PledgeInput(
                    item=d["item"].strip() or None,
                    capability=d["capability"].strip() or None,
                    quantity=d["quantity"],
                    notice_days=d["notice_days"],
                    origin_site=d["origin_site"].strip(),
                    valid_from=d["valid_from"],
                    valid_until=d["valid_until"],
                    terms=d["terms"],
                )
            ],
            "releasability": d["releasability"],
        }

    def add_errors(self, error: BusinessError) -> None:
        """Every problem the service found, on its field (or the form when it names none of them)."""
        for field, messages in (error.fields or {error.field or "": [str(error.message)]}).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class ActivateForm(forms.Form):
    """A pledge activated (in part) into an offer of the exchange. A pledge has no price, so a sale pledge's form
    asks for the offer's price and currency, as the offer form does (the price of the whole offer, typed as the
    reader writes money); the form of any other pledge has no such fields. The service judges every value."""

    quantity = forms.CharField(
        label=_("Quantity"), max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    request = forms.CharField(label=_("In reply to request (number)"), required=False, max_length=20)
    # Named price_minor because it cleans to minor units (the service's errors name that field); typed as a decimal.
    price_minor = AmountField(
        label=_("Price"),
        required=False,
        help_text=_("Of the whole offer, not of one unit: the amount in the currency below."),
    )
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3, initial="EUR")

    def __init__(self, *args: Any, sale: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sale:
            del self.fields["price_minor"], self.fields["currency"]

    def clean_request(self) -> int | None:
        number = self.cleaned_data["request"].strip().lstrip("#")
        if not number:
            return None
        if not number.isdigit():
            raise forms.ValidationError(gettext("Give the request's number."), code="invalid")
        return int(number)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "currency" in self.fields:
            data["currency"] = (data.get("currency") or "").strip().upper()
            data["price_minor"] = minor_units(self, "price_minor", data["currency"])
        return data

    def service_input(self) -> dict[str, Any]:
        """What parsed, for the service to judge with the rest even when something did not (every problem at
        once): a quantity left blank is the service's to report too."""
        d = self.cleaned_data
        given: dict[str, Any] = {"quantity": d.get("quantity", self.data.get(self.add_prefix("quantity"), ""))}
        if "currency" in self.fields:
            given.update(price_minor=d.get("price_minor"), currency=d.get("currency", ""))
        return given


class RunForm(forms.Form):
    scenario = forms.ChoiceField(label=_("Wave scenario"))
    runs = forms.IntegerField(label=_("Runs"), initial=200, min_value=1, max_value=5000)
    seed = forms.IntegerField(label=_("Seed"), initial=0, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args: Any, user: Any, incident: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choices = [(str(s.pk), str(s)) for s in selectors.scenarios(user).order_by("-start")]
        cast(forms.ChoiceField, self.fields["scenario"]).choices = choices

    def service_input(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "scenario": selectors.scenario(self.user, int(d["scenario"])),
            "runs": d["runs"],
            "seed": d["seed"],
        }


# --- plans, their rates, wave scenarios --------------------------------------------------------------------------


class NumberField(forms.CharField):
    """A number typed as a person writes it in their language ('1,5' in nb, '1.5' in en), cleaned to a Decimal.
    Only the reading is the form's: what range the number must be in is the service's to say."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return formatting.parse_decimal(text)
        except ValueError:
            raise forms.ValidationError(
                gettext("Enter a number such as %(example)s.") % {"example": formatting.number(Decimal("12.5"))},
                code="invalid",
            ) from None


def typed(form: forms.Form) -> dict[str, Any]:
    """What was typed into a bound form, as initial values: to draw it again without judging it (more rows)."""
    return {name: form[name].value() for name in form.fields}


def by_name(choices: list[tuple[str, str]], empty: str = "—") -> list[tuple[str, str]]:
    """Options by their name in the reader's language, after a blank one."""
    return [("", empty), *sorted(choices, key=lambda choice: choice[1].casefold())]


def item_choices() -> list[tuple[str, str]]:
    return by_name([(item.code, str(item)) for item in Item.objects.all()])


def nation_choices() -> list[tuple[str, str]]:
    return by_name([(nation.code, nation.name) for nation in Nation.objects.all()])


class PlanForm(ReleasabilityFields):
    """A first draft of an operational plan; every rule of it is the service's (`services.plan_create`)."""

    name = forms.CharField(label=_("Name"), required=False, widget=forms.TextInput(attrs={"maxlength": 200}))
    incident = forms.CharField(
        label=_("Incident"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100}),
        help_text=_("The crisis the plan is for, e.g. COVID-19 2020. Its later versions keep it."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    fund_lead_days = BoundedIntegerField(
        label=_("Procurement lead time (days)"),
        required=False,
        initial=30,
        help_text=_("From the fund's order to stock at its site, unless a rate says otherwise."),
    )
    field_order = ["name", "incident", "valid_from", "valid_until", "notes", "fund_lead_days"]

    def service_input(self) -> dict[str, Any]:
        """What parsed, for the service to judge with the rest; a date that did not parse stands in as the other
        (or today) so that it causes no second problem."""
        data = self.cleaned_data
        valid_until = data.get("valid_until")
        return {
            "name": data.get("name") or "",
            "incident": data.get("incident") or "",
            "valid_from": data.get("valid_from") or valid_until or timezone.localdate(),
            "valid_until": valid_until,
            "notes": data.get("notes") or "",
            "fund_lead_days": data.get("fund_lead_days"),
            "releasability": data.get("releasability") or Releasability.ALLIES_AND_PARTNERS,
            "release_to": [nation.code for nation in data.get("release_to") or []],
        }


PRIORITIES = [(1, _("1 (first)")), (2, "2"), (3, "3"), (4, _("4 (last)"))]


class RateForm(forms.Form):
    """One consumption rate of a plan; a row left blank is skipped, so the page can offer spare rows."""

    item = forms.ChoiceField(label=_("Item"), required=False)
    rate = NumberField(label=_("Rate"), required=False)
    basis = forms.ChoiceField(label=_("Per"), choices=Basis.choices, initial=Basis.BED)
    durable = forms.BooleanField(label=_("Held, not used up"), required=False)
    priority = forms.TypedChoiceField(label=_("Priority"), coerce=int, choices=PRIORITIES, initial=2)
    unit_price = AmountField(label=_("Unit price (EUR)"), required=False)
    lead_days = BoundedIntegerField(label=_("Lead time (days)"), required=False)
    source = forms.CharField(label=_("Source"), required=False, max_length=300)
    illustrative = forms.BooleanField(label=_("Illustrative"), required=False, initial=True)

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["item"]).choices = items

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.cleaned_data["unit_price"] = minor_units(self, "unit_price", "EUR")
        return self.cleaned_data

    @property
    def is_blank(self) -> bool:  # the basis, priority and "illustrative" the row starts with do not make a rate
        data = getattr(self, "cleaned_data", {})
        return not (
            data.get("item")
            or data.get("rate") is not None
            or data.get("durable")
            or data.get("unit_price") is not None
            or data.get("lead_days") is not None
            or (data.get("source") or "").strip()
        )

    def rate_input(self, number: int) -> RateInput:
        """The rate as typed, `number` its row on the page; whether it holds is the service's to say."""
        data = self.cleaned_data
        return RateInput(
            item=data["item"],
            basis=data["basis"],
            rate=data["rate"],
            durable=data["durable"],
            priority=data["priority"],
            unit_price_minor=data["unit_price"] or 0,
            lead_days=data["lead_days"],
            illustrative=data["illustrative"],
            source=data["source"],
            number=number,
        )


MAX_RATES = 80  # rows of the rates form: nine fields each, inside DATA_UPLOAD_MAX_NUMBER_FIELDS
SPARE_ROWS = 3
RateFormSet = bounded_formset(RateForm, max_forms=MAX_RATES, extra=SPARE_ROWS)


def rate_rows(rate: ConsumptionRate) -> dict[str, Any]:
    """A saved rate as the form's initial values, in the reader's number and money format."""
    return {
        "item": rate.item.code,
        "rate": formatting.number(rate.rate.normalize()),
        "basis": rate.basis,
        "durable": rate.durable,
        "priority": rate.priority,
        "unit_price": formatting.money_input(rate.unit_price_minor, "EUR") if rate.unit_price_minor else "",
        "lead_days": rate.lead_days,
        "source": rate.source,
        "illustrative": rate.illustrative,
    }


def rate_formset(plan: Plan, data: Any = None, *, initial: list[dict[str, Any]] | None = None) -> Any:
    """The plan's rates as rows to edit (from `data` when posted), with spare blank rows after them."""
    if data is None and initial is None:
        initial = [rate_rows(rate) for rate in plan.rates.select_related("item").order_by("priority", "item__code")]
    return RateFormSet(data, initial=initial, prefix="rates", form_kwargs={"items": item_choices()})


class NationRowForm(forms.Form):
    """One affected nation of a wave scenario; a blank row is skipped."""

    nation = forms.ChoiceField(label=_("Nation"), required=False)
    population = NumberField(label=_("Population (people)"), required=False)
    latitude = NumberField(label=_("Latitude (°)"), required=False)
    longitude = NumberField(label=_("Longitude (°)"), required=False)

    def __init__(self, *args: Any, nations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["nation"]).choices = nations

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("nation") and all(data.get(k) is None for k in ("population", "latitude", "longitude"))

    def entry(self, homes: dict[str, tuple[Decimal, Decimal]]) -> dict[str, Any]:
        """The nation as the scenario's parameters hold it; where it receives supplies is its home airfield unless
        the row says otherwise."""
        data = self.cleaned_data
        code = data["nation"]
        entry: dict[str, Any] = {"code": code}
        if data["population"] is not None:
            entry["population"] = float(data["population"])
        home = homes.get(code)
        for key, name, at in (("lat", "latitude", 0), ("lon", "longitude", 1)):
            value = data[name] if data[name] is not None else (home[at] if home else None)
            if value is not None:
                entry[key] = float(value)
        return entry


MAX_NATIONS = 60
NationFormSet = bounded_formset(NationRowForm, max_forms=MAX_NATIONS, extra=SPARE_ROWS)


def nation_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None) -> Any:
    return NationFormSet(data, initial=initial, prefix="nations", form_kwargs={"nations": nation_choices()})


def _figure(key: str, help_text: Any) -> NumberField:
    return NumberField(label=PARAMETER_LABELS[key], required=False, help_text=help_text)


def _blank_is(help_text: Any, key: str) -> Any:
    """The help, and what the engine takes when the figure is left blank (its own default), in the reader's
    language when the page is drawn."""

    def text() -> str:
        default = formatting.number(Seir.__dataclass_fields__[key].default)  # type: ignore[arg-type]
        blank = gettext("Blank: %(n)s.") % {"n": default}
        return f"{help_text} {blank}"

    return lazy(text, str)()


class ScenarioForm(forms.Form):
    """A wave to test plans against: a SEIR model's figures or a pasted occupancy curve. The form reads them; the
    service (`services.scenario_create`, `check_parameters`, `parse_curve`) judges them."""

    KINDS = [
        (WaveScenario.Kind.SEIR, _("Model the wave (SEIR): give its figures")),
        (WaveScenario.Kind.CURVE, _("Paste the expected bed occupancy, day by day")),
    ]

    name = forms.CharField(label=_("Name"), required=False, widget=forms.TextInput(attrs={"maxlength": 200}))
    incident = forms.CharField(
        label=_("Incident"),
        required=False,
        max_length=100,
        help_text=_("The crisis it belongs to, as the plans name it."),
    )
    start = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Day 0 of the wave: every day below counts from it."),
    )
    horizon_days = BoundedIntegerField(
        label=_("Horizon (days)"),
        initial=180,
        help_text=format_lazy(_("How many days to simulate from the first day, at most {n}."), n=MAX_HORIZON),
    )
    releasability = forms.ChoiceField(
        label=_("Releasable to"),
        choices=[c for c in Releasability.choices if c[0] != Releasability.NAMED],
        initial=Releasability.ALLIES_AND_PARTNERS,
    )
    source = forms.CharField(
        label=_("Source"),
        required=False,
        max_length=500,
        help_text=_("Where the figures come from, e.g. a public health institute's forecast."),
    )
    illustrative = forms.BooleanField(
        label=_("Illustrative figures (an estimate nobody published)"), required=False, initial=True
    )
    kind = forms.ChoiceField(
        label=_("How the wave is given"), choices=KINDS, initial=WaveScenario.Kind.SEIR, widget=forms.RadioSelect
    )
    # the SEIR model
    rt = forms.CharField(
        label=PARAMETER_LABELS["rt"],
        required=False,
        help_text=_(
            "How many people one infectious person infects, from day 0 and from each day it changes: "
            "day: Rt, separated by semicolons. “0: 1.35; 45: 1.7; 85: 0.8” is 1.35 from the first day, "
            "1.7 from day 45 and 0.8 from day 85."
        ),
    )
    infected_share = _figure("infected_share", _("A share from 0 to 1: 0.0004 is 4 in 10,000 people."))
    hospital_rate = _figure("hospital_rate", _("A share from 0 to 1: 0.05 is 5 of every 100 infected people."))
    icu_rate = _figure("icu_rate", _("A share from 0 to 1: 0.007 is 7 of every 1,000 infected people."))
    hospital_days = _figure(
        "hospital_days", _blank_is(_("How long a patient occupies a hospital bed, on average."), "hospital_days")
    )
    icu_days = _figure(
        "icu_days", _blank_is(_("How long a patient occupies an intensive care bed, on average."), "icu_days")
    )
    incubation_days = _figure(
        "incubation_days", _blank_is(_("From infection until a person infects others."), "incubation_days")
    )
    infectious_days = _figure("infectious_days", _blank_is(_("How long a person infects others."), "infectious_days"))
    # a pasted curve
    curve = forms.CharField(
        label=_("Occupied beds, day by day"),
        required=False,
        max_length=2_000_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_(
            "Comma-separated, with the header row nation,day,hospital,icu: for each nation (its three-letter code) "
            "and each day from day 0, the hospital beds and the intensive care beds occupied."
        ),
    )
    # what each run of the simulation varies
    rt_spread = _figure(
        "rt_spread", _("Each run draws Rt up to this share above or below: 0.1 is 10 percent either way. Blank: 0.")
    )
    rate_spread = _figure("rate_spread", _("Each run draws the shares up to this much above or below. Blank: 0."))
    shift_days = BoundedIntegerField(
        label=PARAMETER_LABELS["shift_days"],
        required=False,
        help_text=_("Each run moves the peak up to this many days earlier or later. Blank: 0."),
    )

    GENERAL = ("name", "incident", "start", "horizon_days", "releasability", "source", "illustrative", "kind")
    SEIR = (
        "rt",
        "infected_share",
        "hospital_rate",
        "icu_rate",
        "hospital_days",
        "icu_days",
        "incubation_days",
        "infectious_days",
    )
    UNCERTAINTY = ("rt_spread", "rate_spread", "shift_days")

    def fields_of(self, names: tuple[str, ...]) -> list[Any]:
        return [self[name] for name in names]

    @property
    def general(self) -> list[Any]:
        return self.fields_of(self.GENERAL)

    @property
    def seir(self) -> list[Any]:
        return self.fields_of(self.SEIR)

    @property
    def uncertainty(self) -> list[Any]:
        return self.fields_of(self.UNCERTAINTY)

    @property
    def pasted(self) -> list[Any]:
        return self.fields_of(("curve",))

    def clean_rt(self) -> list[list[float]] | None:
        """'0: 1.35; 45: 1.7' → [[0, 1.35], [45, 1.7]]; one number alone is Rt from day 0."""
        text = (self.cleaned_data.get("rt") or "").strip()
        if not text:
            return None
        parts = [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]
        pairs: list[list[float]] = []
        for part in parts:
            day, colon, value = part.rpartition(":")
            try:
                if not colon and len(parts) == 1:
                    pairs.append([0, float(formatting.parse_decimal(value))])
                    continue
                pairs.append([int(day.strip()), float(formatting.parse_decimal(value))])
            except ValueError:
                raise forms.ValidationError(
                    gettext("Write each change as day: Rt, separated by semicolons, e.g. %(example)s.")
                    % {"example": "0: 1.35; 45: 1.7"},
                    code="invalid",
                ) from None
        return pairs

    def service_input(self, nations: list[NationRowForm]) -> dict[str, Any]:
        """What parsed, for the service to judge with the rest (a field that did not parse is left out: the form
        has said what is wrong with it)."""
        data = self.cleaned_data
        homes = {
            code: (lat, lon)
            for code, lat, lon in Nation.objects.filter(home_site__isnull=False).values_list(
                "code", "home_site__latitude", "home_site__longitude"
            )
        }
        kind = data.get("kind") or WaveScenario.Kind.SEIR
        parameters: dict[str, Any] = {"nations": [row.entry(homes) for row in nations]}
        if kind == WaveScenario.Kind.SEIR:
            seir = {key: data.get(key) for key in self.SEIR}
            parameters["seir"] = {
                key: value if key == "rt" else float(value) for key, value in seir.items() if value is not None
            }
        spread = {key: data.get(key) for key in self.UNCERTAINTY}
        parameters["uncertainty"] = {
            key: value if key == "shift_days" else float(value) for key, value in spread.items() if value is not None
        }
        return {
            "name": data.get("name") or "",
            "incident": data.get("incident") or "",
            "start": data.get("start") or timezone.localdate(),
            "horizon_days": data.get("horizon_days") or 180,
            "releasability": data.get("releasability") or Releasability.ALLIES_AND_PARTNERS,
            "source": data.get("source") or "",
            "illustrative": bool(data.get("illustrative")),
            "kind": kind,
            "parameters": parameters,
            "curve_csv": data.get("curve") or "",
        }
