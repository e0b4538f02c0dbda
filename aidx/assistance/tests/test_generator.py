"""The synthetic data generator, and the list selectors checked against a naive reference on its data."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import F, Max
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aidx.accounts.models import User
from aidx.assistance import generator, selectors
from aidx.assistance.models import AssistanceRequest, Offer, OfferLine, RequestLine
from aidx.core import paging
from aidx.core import scenario as scenarios
from aidx.nations.models import Organisation
from aidx.nations.policy import Releasability, Viewer, may_see, owned_by, viewer_for

pytestmark = pytest.mark.django_db  # also what makes pytest-django create the test database for the module

LINES = 1500
SEED = 7
BEFORE: dict[str, int] = {}  # the largest ids before generation: the scenario's own records
WORDS = ["ventilator", "MASK", "urgent", "covid", "Stocks", "wave", "zzz-none"]


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """covid-2020 plus LINES request lines and LINES offer lines, once for the module, rolled back after it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            scenarios.load("covid-2020", say=lambda _: None)
            BEFORE.update(largest_ids())
            report = generator.generate(requests=LINES, offers=LINES, seed=SEED, say=lambda _: None)
            yield report
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def generated_requests(after: dict[str, int] | None = None):
    return AssistanceRequest.objects.filter(pk__gt=(after or BEFORE)["request"])  # not the scenario's own


def generated_offers(after: dict[str, int] | None = None):
    return Offer.objects.filter(pk__gt=(after or BEFORE)["offer"])


def generated_request_lines(after: dict[str, int] | None = None):
    return RequestLine.objects.filter(request__gt=(after or BEFORE)["request"])


def generated_offer_lines(after: dict[str, int] | None = None):
    return OfferLine.objects.filter(offer__gt=(after or BEFORE)["offer"])


def largest_ids() -> dict[str, int]:
    return {
        "request": AssistanceRequest.objects.aggregate(n=Max("id"))["n"] or 0,
        "offer": Offer.objects.aggregate(n=Max("id"))["n"] or 0,
    }


def snapshot(after: dict[str, int], upto: dict[str, int]) -> list[tuple]:
    """One batch of generated records, ids relative to the batch's start so that two batches compare."""

    def requests():
        return generated_requests(after).filter(pk__lte=upto["request"])

    def offers():
        return generated_offers(after).filter(pk__lte=upto["offer"])

    first_request, first_offer = after["request"], after["offer"]
    return [
        *(
            (
                r.pk - first_request,
                r.title,
                r.description,
                r.incident,
                r.priority,
                r.needed_by,
                r.delivery_site_id,
                r.status,
                r.releasability,
                r.owner_nation_id,
                r.owner_organisation_id,
                r.created_by_id,
                r.created_at,
                r.submitted_at,
                r.closed_at,
                tuple(sorted(n.pk for n in r.release_to.all())),
            )
            for r in requests().prefetch_related("release_to").order_by("id")
        ),
        *(
            (r - first_request, *rest)
            for r, *rest in RequestLine.objects.filter(request__in=requests())
            .order_by("id")
            .values_list("request_id", "item_id", "capability_id", "quantity", "substitutes_ok")
        ),
        *(
            (
                o.pk - first_offer,
                o.title,
                o.terms,
                o.price_minor,
                o.currency,
                o.status,
                o.releasability,
                o.owner_nation_id,
                o.owner_organisation_id,
                o.created_at,
                tuple(sorted(n.pk for n in o.release_to.all())),
            )
            for o in offers().prefetch_related("release_to").order_by("id")
        ),
        *(
            (o - first_offer, *rest)
            for o, *rest in OfferLine.objects.filter(offer__in=offers())
            .order_by("id")
            .values_list(
                "offer_id",
                "item_id",
                "capability_id",
                "quantity",
                "available_from",
                "available_until",
                "origin_site_id",
            )
        ),
    ]


def test_it_generates_the_requested_numbers_of_lines(generated):
    assert generated_request_lines().count() == LINES == generated.request_lines
    assert generated_offer_lines().count() == LINES == generated.offer_lines
    assert generated_requests().count() == generated.requests and generated_offers().count() == generated.offers
    per_request = Counter(generated_request_lines().values_list("request_id", flat=True))
    per_offer = Counter(generated_offer_lines().values_list("offer_id", flat=True))
    assert set(per_request.values()) <= {1, 2, 3, 4, 5} and set(per_offer.values()) <= {1, 2, 3, 4, 5}
    assert len(per_request) == generated.requests and len(per_offer) == generated.offers


def test_it_is_deterministic_for_a_seed(generated):
    first = largest_ids()
    generator.generate(requests=LINES, offers=LINES, seed=SEED, say=lambda _: None)
    second = largest_ids()
    generator.generate(requests=LINES, offers=LINES, seed=SEED + 1, say=lambda _: None)
    third = largest_ids()
    assert snapshot(BEFORE, first) == snapshot(first, second)
    assert snapshot(BEFORE, first) != snapshot(second, third)


def test_it_makes_exactly_the_lines_asked_for_with_a_fixed_count_per_record(generated):
    after = largest_ids()
    generator.generate(requests=7, offers=3, seed=1, lines_per=2, say=lambda _: None)
    per_request = Counter(generated_request_lines(after).values_list("request_id", flat=True))
    assert sorted(per_request.values()) == [1, 2, 2, 2]
    assert sorted(Counter(generated_offer_lines(after).values_list("offer_id", flat=True)).values()) == [1, 2]


def test_it_respects_every_constraint(generated):
    rng = random.Random(0)
    requests = list(generated_requests().prefetch_related("release_to"))
    offers = list(generated_offers().prefetch_related("release_to"))
    users = {u.pk: u for u in User.objects.all()}
    for record in [*rng.sample(requests, 60), *rng.sample(offers, 60)]:
        record.full_clean(exclude=["created_by"])  # synthetic records of nations without an account have none
        named = {n.pk for n in record.release_to.all()}
        assert bool(named) == (record.releasability == Releasability.NAMED)
        assert record.owner_nation_id not in named
        if record.created_by_id:
            assert users[record.created_by_id].nation_id == record.owner_nation_id
    for line in [*rng.sample(list(generated_request_lines()), 60), *rng.sample(list(generated_offer_lines()), 60)]:
        line.full_clean()
    assert not OfferLine.objects.filter(available_until__lt=F("available_from")).exists()
    assert not RequestLine.objects.filter(quantity__lte=0).exists()
    assert all(r.needed_by >= r.created_at.date() for r in requests)


def test_it_mixes_owners_items_and_releasability_as_asked(generated):
    for records in (generated_requests(), generated_offers()):
        mix = Counter(records.values_list("releasability", flat=True))
        total = sum(mix.values())
        assert abs(mix[Releasability.ALLIES_AND_PARTNERS] / total - 0.70) < 0.06
        assert abs(mix[Releasability.ALLIES] / total - 0.25) < 0.06
        assert 0.01 < mix[Releasability.NAMED] / total < 0.10
        assert records.filter(owner_organisation__code="eu").exists()
    items = Counter(generated_request_lines().filter(item__isnull=False).values_list("item__code", flat=True))
    assert items["mask-surgical"] > 5 * items["ventilator-icu"]
    assert items["gloves-nitrile"] > items["ventilator-transport"]
    priorities = Counter(generated_requests().values_list("priority", flat=True))
    assert priorities[1] < priorities[3]
    statuses = Counter(generated_requests().values_list("status", flat=True))
    assert statuses.most_common(1)[0][0] == "submitted" and {"draft", "met", "withdrawn"} <= set(statuses)
    horizon = generated_requests().values_list("needed_by", flat=True)
    assert (max(horizon) - min(horizon)).days <= 2 * generator.HORIZON_DAYS


# --- the optimised selectors against a naive reference -------------------------------------------------


def viewers() -> list[Viewer]:
    today = timezone.localdate()
    eu = Organisation.objects.get(code="eu")
    return [
        *(viewer_for(User.objects.get(username=name)) for name in ("coordinator", "italy", "australia", "spain")),
        Viewer(on=today, organisation=eu.pk, standing="partner"),  # the EU: owner of some records
        Viewer(on=today, nation="GEO", standing="partner"),
        Viewer(on=today),  # an outsider
    ]


class Naive:
    """The policy applied record by record in Python (`may_see`), then the filters: slow and obvious."""

    def __init__(
        self, model: type[AssistanceRequest] | type[Offer], lines: type[RequestLine] | type[OfferLine], parent: str
    ) -> None:
        self.records = sorted(model.objects.all(), key=lambda r: (r.created_at, r.pk), reverse=True)
        self.codes: dict[int, set[str]] = {}
        for line in lines.objects.select_related("item", "capability"):
            self.codes.setdefault(getattr(line, parent), set()).add((line.item or line.capability).code)
        self.seen: dict[Viewer, list] = {}

    def visible(self, viewer: Viewer) -> list:
        if viewer not in self.seen:
            # Drafts are not circulated: only their owner and the centre see them.
            self.seen[viewer] = [
                r
                for r in self.records
                if may_see(viewer, r) and (r.status != "draft" or viewer.is_centre or owned_by(viewer, r))
            ]
        return self.seen[viewer]

    def ids(self, viewer: Viewer, **f) -> list[int]:
        word = (f.get("search") or "").lower()
        return [
            r.pk
            for r in self.visible(viewer)
            if not (
                (f.get("status") and r.status != f["status"])
                or (f.get("priority") and r.priority != f["priority"])
                or (f.get("nation") and r.owner_nation_id != f["nation"].upper())
                or (f.get("item") and f["item"] not in self.codes.get(r.pk, set()))
                or (word and not any(word in getattr(r, name, "").lower() for name in self.searched))
                or (f.get("needed_from") and r.needed_by < f["needed_from"])
                or (f.get("needed_until") and r.needed_by > f["needed_until"])
                or (f.get("incident") and r.incident != f["incident"])
                or (f.get("open_only") and not r.is_open)
            )
        ]


class NaiveRequests(Naive):
    searched = ("title", "description", "incident")

    def __init__(self) -> None:
        super().__init__(AssistanceRequest, RequestLine, "request_id")


class NaiveOffers(Naive):
    searched = ("title", "description")

    def __init__(self) -> None:
        super().__init__(Offer, OfferLine, "offer_id")


def random_request_filters(rng: random.Random) -> dict:
    start = generator.START.date()
    options = {
        "status": lambda: rng.choice(["submitted", "draft", "met", "withdrawn"]),
        "priority": lambda: rng.randint(1, 4),
        "nation": lambda: rng.choice(["ITA", "esp", "FRA", "AUS", "GEO"]),
        "item": lambda: rng.choice(["mask-ffp2", "ventilator-icu", "gloves-nitrile", "c-17", "no-such-item"]),
        "search": lambda: rng.choice(WORDS),
        "needed_from": lambda: start + dt.timedelta(days=rng.randint(0, 60)),
        "needed_until": lambda: start + dt.timedelta(days=rng.randint(30, 120)),
        "incident": lambda: rng.choice(["covid-19", "covid-19 second wave"]),
        "open_only": lambda: True,
    }
    chosen = rng.sample(sorted(options), rng.randint(0, 3))
    return {name: options[name]() for name in chosen}


def test_the_request_list_shows_exactly_what_the_naive_reference_shows(generated):
    rng = random.Random(2024)
    naive = NaiveRequests()
    for viewer in viewers():
        for filters in [{}, *(random_request_filters(rng) for _ in range(12))]:
            expected = naive.ids(viewer, **filters)
            got = selectors.requests_visible_to(viewer, **filters)
            assert list(got.values_list("pk", flat=True)) == expected, (viewer, filters)
            page = paging.page_of(RequestFactory().get("/"), got)
            assert page.paginator.count == len(expected) and not page.paginator.capped
            assert [r.pk for r in page.object_list] == expected[:50]


def test_the_offer_list_shows_exactly_what_the_naive_reference_shows(generated):
    rng = random.Random(7)
    naive = NaiveOffers()
    for viewer in viewers():
        for _ in range(8):
            filters = {
                name: value
                for name, value in {
                    "status": rng.choice([None, "open", "draft", "withdrawn"]),
                    "nation": rng.choice([None, "USA", "deu", "AUS"]),
                    "item": rng.choice([None, "mask-ffp2", "hospital-bed", "a400m"]),
                    "search": rng.choice([None, *WORDS, "from"]),
                }.items()
                if value
            }
            got = selectors.offers_visible_to(viewer, **filters)
            assert list(got.values_list("pk", flat=True)) == naive.ids(viewer, **filters), (viewer, filters)


def test_the_paginator_counts_exactly_below_the_cap_and_says_so_above_it(generated, monkeypatch):
    italy = viewer_for(User.objects.get(username="italy"))
    visible = selectors.requests_visible_to(italy)
    total = visible.count()
    monkeypatch.setattr(paging.CappedPaginator, "cap", total)
    exact = paging.page_of(RequestFactory().get("/", {"page": "2"}), visible)
    assert exact.paginator.count == total and not exact.paginator.capped
    monkeypatch.setattr(paging.CappedPaginator, "cap", 120)
    capped = paging.page_of(RequestFactory().get("/", {"page": "99"}), visible)
    assert capped.paginator.capped and capped.paginator.count == 120 and capped.paginator.num_pages == 3
    assert [r.pk for r in capped.object_list] == list(visible.values_list("pk", flat=True)[100:120])


@pytest.mark.parametrize("path", ["/exchange/requests/", "/exchange/offers/", "/api/v1/requests", "/api/v1/offers"])
def test_the_lists_make_the_same_few_queries_whatever_the_filter(generated, client, path):
    from aidx.accounts.services import token_create

    user = User.objects.get(username="italy")
    client.force_login(user)
    headers = {}
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {token_create(actor=user, user=user, name='test')[1]}"}
    client.get(path, headers=headers)  # warm-up: the session, cached choices
    counts = set()
    for query in ({}, {"item": "mask-ffp2"}, {"q": "mask", "nation": "ESP"}, {"status": "withdrawn"}):
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(path, query, headers=headers)
        assert answer.status_code == 200, answer.content[:300]
        counts.add(len(captured) - (2 if "item" in query else 0))  # resolving the code: an item, a capability
    assert len(counts) == 1 and counts.pop() <= 16
