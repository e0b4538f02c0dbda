"""A random world for the need-to-know sweep, built through the services from a seed.

Nations with dated memberships (allies, a late ally, partners, one about to join, a former partner, outsiders), an
organisation that is a partner, the centre; requests and offers with random releasability, offers in reply (titled
"Offer for: <the request's title>" as the form fills it in, and released to allies and partners as the form
defaults), allocations in every state, missions whose manifests mix allocations of different nations, deployments,
documents, stock lots, pledges and orders; preparedness plans, standby pledges (some released more widely than
their plan would allow: the service refuses them), own stock, wave scenarios, simulation runs and activations;
resilience self-assessments with random releasability, comments, action plans and manufacturers; and the
notifications and audit entries all of that leaves.

Every record of a sweep subject gets an id from its subject's range (`aidx.core.sweep.id_base`) and, where it has a
text, a token ("swq00042x") in it: together its marks, which the sweep looks for in every answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from aidx.accounts.services import user_create
from aidx.assistance import services as exchange
from aidx.assistance.models import Allocation, AssistanceRequest, Offer
from aidx.assistance.services import LineInput
from aidx.catalogue.services import capability_type_upsert, item_upsert
from aidx.core.actors import SYSTEM
from aidx.core.errors import BusinessError
from aidx.core.sweep import id_base, subjects
from aidx.documents.services import document_create
from aidx.fund import services as fund
from aidx.logistics import services as logistics
from aidx.nations import services as registry
from aidx.nations.policy import Viewer, may_see, standing_on, viewer_for
from aidx.stockpile import services as stock

# ISO code, airfield, latitude, longitude
PLACES = [
    ("ITA", "Rome", "41.80", "12.25"),
    ("ESP", "Madrid", "40.49", "-3.57"),
    ("FRA", "Paris", "49.01", "2.55"),
    ("DEU", "Frankfurt", "50.03", "8.56"),
    ("POL", "Warsaw", "52.17", "20.97"),
    ("TUR", "Istanbul", "40.98", "28.81"),
    ("NOR", "Oslo", "60.19", "11.10"),
    ("AUS", "Canberra", "-35.31", "149.19"),
    ("SWE", "Stockholm", "59.65", "17.93"),
    ("FIN", "Helsinki", "60.32", "24.96"),
    ("BRA", "Sao Paulo", "-23.43", "-46.47"),
    ("JPN", "Tokyo", "35.55", "139.78"),
    ("MKD", "Skopje", "41.96", "21.62"),
]
WORDS = ["Masks", "Ventilators", "Gloves", "Field team", "Oxygen", "Test kits", "Gowns", "Beds"]
ITEMS = [("sweep-mask", "Mask", "0.01"), ("sweep-ventilator", "Ventilator", "40"), ("sweep-gloves", "Gloves", "0.5")]
TEAM = "sweep-team"


@dataclass
class World:
    seed: int
    today: dt.date
    rng: random.Random
    nations: dict[str, Any] = field(default_factory=dict)
    standing: dict[str, str] = field(default_factory=dict)  # code -> how it stands today, for the report
    airfield: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)  # label -> user
    tokens: dict[str, tuple[str, int]] = field(default_factory=dict)  # token -> (subject key, pk)
    serial: int = 0

    def token(self) -> str:
        self.serial += 1
        return f"swq{self.serial:05d}x"

    def bind(self, token: str, key: str, record: Any) -> Any:
        self.tokens[token] = (key, record.pk)
        return record

    def poc(self, code: str) -> Any:
        return self.users[code]


def set_sequences() -> dict[str, int]:
    """Start each subject's ids in its own range; returns table -> range start."""
    tables = {}
    for declared in subjects():
        table = declared.model._meta.db_table
        start = id_base(declared.key)
        tables[table] = start
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, start])
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start - 1])
    return tables


def reset_sequences(tables: dict[str, int]) -> None:
    """After the world is rolled back, ids continue as before (PostgreSQL's sequences are not transactional)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            highest = f'SELECT MAX(id) FROM "{table}"'  # noqa: S608  (a model's table name, not input)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE(({highest}), 0) + 1, false)", [table]
            )


def _memberships(world: World) -> None:
    rng, today = world.rng, world.today
    codes = [code for code, *_rest in PLACES]
    rng.shuffle(codes)
    long_ago = dt.date(1990, 1, 1)
    plan: list[tuple[str, str, list[tuple[str, dt.date, dt.date | None]]]] = []
    n_allies = rng.randint(3, 4)
    for code in codes[:n_allies]:
        plan.append((code, "ally", [("ally", long_ago, None)]))
    rest = codes[n_allies:]
    # an ally since last month, a partner before; a partner who becomes an ally next month
    plan.append(
        (
            rest[0],
            "ally (late)",
            [("partner", long_ago, today - dt.timedelta(days=30)), ("ally", today - dt.timedelta(days=30), None)],
        )
    )
    plan.append(
        (
            rest[1],
            "partner (ally soon)",
            [("partner", long_ago, today + dt.timedelta(days=30)), ("ally", today + dt.timedelta(days=30), None)],
        )
    )
    plan.append((rest[2], "partner", [("partner", long_ago, None)]))
    plan.append((rest[3], "outsider (former partner)", [("partner", long_ago, today - dt.timedelta(days=60))]))
    plan.append((rest[4], "outsider", []))
    places = {code: (name, lat, lon) for code, name, lat, lon in PLACES}
    for code, standing, spans in plan:
        nation = registry.nation_create(actor=None, code=code)
        for kind, since, until in spans:
            registry.membership_add(actor=None, nation=nation, kind=kind, valid_from=since, valid_until=until)
        name, lat, lon = places[code]
        world.nations[code] = nation
        world.standing[code] = standing
        world.airfield[code] = registry.site_create(
            actor=None,
            code=f"sw-{code.lower()}",
            name=name,
            kind="airfield",
            nation=nation,
            latitude=lat,
            longitude=lon,
        )
        world.users[code] = user_create(
            actor=None, username=f"sweep-{code.lower()}", password=None, nation=nation, roles={"poc", "logistics"}
        )


def _people_and_things(world: World) -> None:
    centre = registry.organisation_create(actor=None, code="sweep-centre", kind="centre", name_en="Centre")
    world.users["centre"] = user_create(
        actor=None, username="sweep-coord", password=None, organisation=centre, roles={"coordinator"}
    )
    world.users["viewer"] = user_create(
        actor=None, username="sweep-viewer", password=None, organisation=centre, roles={"viewer"}
    )
    world.users["manager"] = user_create(
        actor=None, username="sweep-manager", password=None, organisation=centre, roles={"stockpile"}
    )
    common = {"category": "ppe", "unit": "piece", "unit_volume_m3": "0.001", "name_nb": "", "name_nn": ""}
    for code, name, kg in ITEMS:
        item_upsert(actor=None, code=code, name_en=name, unit_weight_kg=kg, **common)
    names = {"name_nb": "", "name_nn": ""}
    capability_type_upsert(actor=None, code=TEAM, name_en="Medical team", kind="medical_team", staff=12, **names)
    capability_type_upsert(
        actor=None,
        code="sweep-lifter",
        name_en="Lifter",
        kind="aircraft",
        payload_kg=500000,
        cruise_speed_kmh=800,
        **names,
    )
    world.warehouse = registry.site_create(  # type: ignore[attr-defined]
        actor=None,
        code="sw-depot",
        name="Depot",
        kind="warehouse",
        nation=next(iter(world.nations.values())),
        organisation=centre,
        latitude="50.9",
        longitude="4.5",
    )


def _releasability(world: World, owner: str) -> tuple[str, list[str] | None]:
    rng = world.rng
    choice = rng.choice(["allies", "allies_partners", "named", "named"])
    if choice != "named":
        return choice, None
    others = [code for code in world.nations if code != owner]
    return "named", rng.sample(others, rng.randint(1, 3))


def _request(world: World, code: str, releasability: str, release_to: list[str] | None = None) -> AssistanceRequest:
    mark = world.token()
    request = exchange.request_create(
        actor=world.poc(code),
        title=f"{world.rng.choice(WORDS)} {mark}",
        needed_by=world.today + dt.timedelta(days=30),
        delivery_site=world.airfield[code],
        releasability=releasability,
        release_to=release_to,
        lines=[LineInput(item=ITEMS[0][0], quantity=500)],
    )
    world.bind(mark, "assistance.request", request)
    return exchange.request_submit(actor=world.poc(code), request=request)


def _published(
    world: World, code: str, reply: AssistanceRequest | None, releasability: str, release_to: list[str] | None = None
) -> Offer | None:
    mark = world.token()
    title = f"Offer for: {reply.title} {mark}" if reply is not None else f"Masks from {code} {mark}"
    lines = [
        LineInput(item=ITEMS[0][0], quantity=400, available_from=world.today, origin_site=world.airfield[code].code)
    ]
    offer = _offer(world, code, title, lines, reply, (releasability, release_to))
    if offer is None:
        return None
    world.bind(mark, "assistance.offer", offer)
    return exchange.offer_publish(actor=world.poc(code), offer=offer)


def _accepted(world: World, offer: Offer | None, request: AssistanceRequest) -> Allocation | None:
    if offer is None:
        return None
    try:
        allocation = exchange.allocation_propose(
            actor=world.users["centre"], offer_line=offer.lines.get(), request_line=request.lines.get(), quantity=100
        )
    except BusinessError:
        return None
    return exchange.allocation_accept(actor=world.poc(request.owner_nation_id), allocation=allocation)


def _issue_cases(world: World) -> None:
    """The cases of issue #11, in every world whatever its seed, so that their tests fail until the fixes land."""
    allies = [code for code, standing in world.standing.items() if standing == "ally"]
    a1, a2 = allies[:2]
    partner = next(code for code, standing in world.standing.items() if standing == "partner")
    outsider = next(code for code, standing in world.standing.items() if standing == "outsider")
    # Defect 2: a reply to an allies-only request, released to allies and partners as the form defaults,
    # then allocated to a partner's request: the partner reads the request's title in the reply's.
    allies_only = _request(world, a1, "allies")
    reply = _published(world, a2, allies_only, "allies_partners")
    _accepted(world, reply, _request(world, partner, "allies_partners"))
    # Defect 1: one mission carries a1 -> a2 and a2 -> partner, on an outsider's aircraft.
    first = _accepted(world, _published(world, a1, None, "allies_partners"), _request(world, a2, "allies_partners"))
    second = _accepted(
        world, _published(world, a2, None, "allies_partners"), _request(world, partner, "allies_partners")
    )
    plane = logistics.aircraft_register(
        actor=SYSTEM, capability="sweep-lifter", tail="SW-X", home=world.airfield[outsider].code, owner_nation=outsider
    )
    etd = timezone.now() + dt.timedelta(days=1)
    mark = world.token()
    mission = logistics.mission_create(
        actor=world.users["centre"],
        aircraft=plane,
        legs=[
            logistics.LegInput(
                origin=world.airfield[a].code,
                destination=world.airfield[b].code,
                etd=etd + dt.timedelta(hours=20 * n),
                eta=etd + dt.timedelta(hours=20 * n + 10),
            )
            for n, (a, b) in enumerate([(a1, a2), (a2, partner)])
        ],
        loads=[
            logistics.LoadInput(allocation=first.pk, board=1, unload=1),
            logistics.LoadInput(allocation=second.pk, board=2, unload=2),
        ],  # type: ignore[union-attr]
        notes=f"Mixed manifest {mark}",
    )
    world.bind(mark, "logistics.mission", mission)
    # Found by the sweep: a reply the requesting nation may not see (an outsider asks one ally, who answers to
    # allies only): the requester is notified of it, with its title, and cannot open it.
    _published(world, a1, _request(world, outsider, "named", [a1]), "allies")


def _requests(world: World) -> list[AssistanceRequest]:
    rng, made = world.rng, []
    for code in world.nations:
        for _n in range(rng.randint(2, 4)):
            mark = world.token()
            releasability, release_to = _releasability(world, code)
            lines = [
                LineInput(item=code_, quantity=rng.randint(50, 900))
                for code_, *_ in rng.sample(ITEMS, rng.randint(1, 2))
            ]
            if rng.random() < 0.3:
                lines.append(LineInput(capability=TEAM, quantity=rng.randint(1, 3)))
            request = exchange.request_create(
                actor=world.poc(code),
                title=f"{rng.choice(WORDS)} {mark}",
                description=f"Needed at {world.airfield[code].name}",
                needed_by=world.today + dt.timedelta(days=rng.randint(10, 60)),
                delivery_site=world.airfield[code],
                priority=rng.randint(1, 4),
                releasability=releasability,
                release_to=release_to,
                lines=lines,
            )
            world.bind(mark, "assistance.request", request)
            if rng.random() < 0.85:
                request = exchange.request_submit(actor=world.poc(code), request=request)
            made.append(request)
    return made


def _offer(
    world: World,
    code: str,
    title: str,
    lines: list[LineInput],
    reply: AssistanceRequest | None,
    release: tuple[str, list[str] | None] | None = None,
) -> Offer | None:
    rng = world.rng
    # The offer form's default is "allies and partners"; half the replies keep it, as people do.
    if release is None:
        release = ("allies_partners", None) if reply is not None and rng.random() < 0.5 else _releasability(world, code)
    attempts = [release]
    if reply is not None:  # should the service refuse a reply wider than its request, release it as the request
        attempts.append((reply.releasability, list(reply.release_to.values_list("code", flat=True)) or None))
    for releasability, release_to in attempts:
        try:
            return exchange.offer_create(
                actor=world.poc(code),
                title=title,
                in_reply_to=reply,
                releasability=releasability,
                release_to=release_to,
                lines=lines,
            )
        except BusinessError:
            continue
    return None


def _offers(world: World, requests: list[AssistanceRequest]) -> list[Offer]:
    rng, made = world.rng, []

    def lines_of(code: str, wanted: list[tuple[str | None, str | None]]) -> list[LineInput]:
        return [
            LineInput(
                item=item,
                capability=capability,
                quantity=rng.randint(1, 3) if capability else rng.randint(100, 1000),
                available_from=world.today,
                origin_site=world.airfield[code].code,
            )
            for item, capability in wanted
        ]

    for code in world.nations:
        for _n in range(rng.randint(1, 2)):
            mark = world.token()
            wanted = [(item, None) for item, *_ in rng.sample(ITEMS, rng.randint(1, 2))]
            if rng.random() < 0.3:
                wanted.append((None, TEAM))
            offer = _offer(world, code, f"{rng.choice(WORDS)} from {code} {mark}", lines_of(code, wanted), None)
            if offer is not None:
                made.append(world.bind(mark, "assistance.offer", offer))
        viewer = Viewer(on=world.today, nation=code, standing=standing_on(world.today, nation=code))
        answerable = [
            r for r in requests if r.owner_nation_id != code and r.status == "submitted" and may_see(viewer, r)
        ]
        for request in rng.sample(answerable, min(len(answerable), rng.randint(1, 2))):
            mark = world.token()
            wanted = [
                (line.item.code if line.item_id else None, line.capability.code if line.capability_id else None)
                for line in request.lines.all()
            ]
            # the title the form fills in: "Offer for: <the request's title>"
            offer = _offer(world, code, f"Offer for: {request.title} {mark}", lines_of(code, wanted), request)
            if offer is not None:
                made.append(world.bind(mark, "assistance.offer", offer))
    for offer in made:
        if rng.random() < 0.85:
            exchange.offer_publish(actor=offer.created_by, offer=offer)
    return made


def _allocations(world: World, requests: list[AssistanceRequest], offers: list[Offer]) -> list[Allocation]:
    rng, made = world.rng, []
    coordinator = world.users["centre"]
    request_lines = [line for r in requests for line in r.lines.all()]
    pairs = [
        (offer_line, request_line)
        for offer in offers
        for offer_line in offer.lines.all()
        for request_line in request_lines
        if (offer_line.item_id, offer_line.capability_id) == (request_line.item_id, request_line.capability_id)
    ]
    rng.shuffle(pairs)
    for offer_line, request_line in pairs:
        if len(made) >= 30:
            break
        try:
            allocation = exchange.allocation_propose(
                actor=coordinator,
                offer_line=offer_line,
                request_line=request_line,
                quantity=max(1, min(offer_line.quantity, request_line.quantity) // rng.randint(2, 4)),
            )
        except BusinessError:
            continue
        made.append(allocation)
    for allocation in made:
        requester = world.poc(allocation.request_line.request.owner_nation_id)
        offerer = world.poc(allocation.offer_line.offer.owner_nation_id)
        fate = rng.random()
        if fate < 0.15:
            exchange.allocation_decline(actor=requester, allocation=allocation, reason="Not needed any more")
        elif fate < 0.85:
            exchange.allocation_accept(actor=requester, allocation=allocation)
            if rng.random() < 0.25:
                exchange.allocation_ship(actor=offerer, allocation=allocation)
                if rng.random() < 0.5:
                    exchange.allocation_deliver(
                        actor=requester, allocation=allocation, received_quantity=allocation.quantity
                    )
    return [Allocation.objects.get(pk=a.pk) for a in made]


def _missions(world: World, allocations: list[Allocation]) -> None:
    rng = world.rng
    coordinator = world.users["centre"]
    codes = list(world.nations)
    owners = rng.sample(codes, 2)
    aircraft = [
        logistics.aircraft_register(
            actor=SYSTEM, capability="sweep-lifter", tail=f"SW-{n}", home=world.airfield[code].code, owner_nation=code
        )
        for n, code in enumerate(owners)
    ]
    members = rng.sample(codes, 2)
    logistics.pool_create(actor=SYSTEM, code="sweep-pool", name="Sweep pool", members=members)
    pooled = logistics.aircraft_register(
        actor=SYSTEM, capability="sweep-lifter", tail="SW-POOL", home=world.airfield[members[0]].code, pool="sweep-pool"
    )
    cargo = [a for a in allocations if a.status == "accepted" and a.offer_line.item_id]
    rng.shuffle(cargo)
    start = timezone.now() + dt.timedelta(days=2)
    while cargo:
        batch, cargo = cargo[: rng.randint(2, 3)], cargo[rng.randint(2, 3) :]
        stops: list[str] = []
        for allocation in batch:
            for code in (allocation.offer_line.offer.owner_nation_id, allocation.request_line.request.owner_nation_id):
                if not stops or stops[-1] != code:
                    stops.append(code)
        legs, loads = [], []
        for n, (origin, destination) in enumerate(itertools.pairwise(stops), start=1):
            etd = start + dt.timedelta(hours=20 * n)
            legs.append(
                logistics.LegInput(
                    origin=world.airfield[origin].code,
                    destination=world.airfield[destination].code,
                    etd=etd,
                    eta=etd + dt.timedelta(hours=18),
                )
            )
        position = 0
        for allocation in batch:
            board = stops.index(allocation.offer_line.offer.owner_nation_id, position) + 1
            unload = stops.index(allocation.request_line.request.owner_nation_id, board)
            position = unload
            loads.append(logistics.LoadInput(allocation=allocation.pk, board=board, unload=unload))
        plane = rng.choice([*aircraft, pooled])
        mark = world.token()
        try:
            mission = logistics.mission_create(
                actor=coordinator,
                aircraft=plane,
                legs=legs,
                loads=loads,
                tasked_by=members[0] if plane is pooled else None,
                notes=f"Airlift {mark}",
            )
        except BusinessError:
            continue
        world.bind(mark, "logistics.mission", mission)
        start += dt.timedelta(days=3)


def _deployments(world: World, allocations: list[Allocation]) -> None:
    for allocation in allocations:
        if allocation.offer_line.capability_id and allocation.status == "accepted":
            mark = world.token()
            deployment = logistics.deployment_create(
                actor=world.users["centre"],
                allocation=allocation,
                site=allocation.request_line.request.delivery_site.code,
                starts=world.today + dt.timedelta(days=5),
                ends=world.today + dt.timedelta(days=40),
                doctors=3,
                nurses=6,
                notes=f"Team {mark}",
            )
            world.bind(mark, "logistics.deployment", deployment)


def _runs(world: World) -> None:
    """A match run (the coordinators' proposals, not published) and planner runs by a nation and by the centre,
    executed here as the worker would."""
    from aidx.logistics.planning import plan_run_execute, plan_run_start
    from aidx.matching.runs import run_execute
    from aidx.matching.services import run_start

    run_execute(run_start(actor=world.users["centre"], time_limit=5).pk)
    planner = world.poc(world.rng.choice(list(world.nations)))
    for actor in (planner, world.users["centre"]):
        plan_run_execute(plan_run_start(actor=actor, time_limit=1).pk)


def _documents(world: World) -> None:
    rng = world.rng
    for code in [*world.nations, "centre"]:
        for _n in range(rng.randint(1, 2)):
            mark = world.token()
            releasability, release_to = _releasability(world, code)
            document = document_create(
                actor=world.users[code],
                title=f"Situation report {mark}",
                body="What we know today.",
                releasability=releasability,
                release_to=[world.nations[c] for c in release_to] if release_to else None,
            )
            world.bind(mark, "documents.document", document)


def _stock_and_fund(world: World) -> None:
    rng, manager = world.rng, world.users["manager"]
    donors = rng.sample(list(world.nations), 3)
    for n, donor in enumerate(donors):
        mark = world.token()
        lot = stock.receive(
            actor=manager,
            warehouse=world.warehouse,  # type: ignore[attr-defined]
            item=ITEMS[n % len(ITEMS)][0],
            lot_number=f"L-{mark}",
            quantity=rng.randint(100, 5000),
            expiry_date=world.today + dt.timedelta(days=rng.randint(20, 400)),
            donor=world.nations[donor],
        )
        world.bind(mark, "stockpile.lot", lot)
    for donor in rng.sample(list(world.nations), 3):
        mark = world.token()
        pledge = fund.pledge_create(
            actor=manager,
            nation=donor,
            amount_minor=rng.randint(1, 900) * 100_000,
            currency="EUR",
            earmark=f"For {mark}",
        )
        world.bind(mark, "fund.pledge", pledge)
    mark = world.token()
    order = fund.order_create(
        actor=manager,
        supplier=f"Supplier {mark}",
        currency="EUR",
        warehouse=world.warehouse,  # type: ignore[attr-defined]
        lines=[fund.OrderLineInput(item=ITEMS[0][0], quantity=1000, unit_price_minor=150)],
    )
    world.bind(mark, "fund.order", order)


def _interchange_rng(world: World) -> random.Random:
    """The interchange's own draws, so that adding it leaves the rest of the world as it was for a seed."""
    return random.Random(f"{world.seed}:interchange")


def _subscriptions(world: World) -> None:
    """Webhook subscriptions of some nations and of the centre, made before the records so that the fan-out sends
    each what its owner may see."""
    from aidx.interchange.services import webhooks

    for label in [*_interchange_rng(world).sample(sorted(world.nations), 4), "centre"]:
        mark = world.token()
        subscription = webhooks.subscription_create(
            actor=world.users[label], name=f"Hook {mark}", url="http://127.0.0.1:9/hook", events=webhooks.EVENT_NAMES
        )
        world.bind(mark, "interchange.subscription", subscription)


def _received(world: World, user: Any, site: str, *, known: bool) -> None:
    """An EDXL-RM request from another system, received by `user`: made into a request, or (its resource type not
    known here) waiting for mapping."""
    from aidx.interchange import edxl
    from aidx.interchange.services import inbound, outbound

    mark = world.token()
    arrival = dt.datetime.combine(world.today + dt.timedelta(days=20), dt.time(), dt.UTC)
    kind = (outbound.ITEM_LIST, ITEMS[0][0]) if known else ("urn:sweep:types", "Track Dozer")
    message = edxl.Message(
        kind="RequestResource",
        message_id=f"urn:sweep:message:{world.serial}",
        sent=timezone.now(),
        description=f"Received {mark}",
        resources=[
            edxl.ResourceInfo(
                element_id=f"urn:sweep:line:{world.serial}",
                type_list=kind[0],
                type_value=kind[1],
                amount=Decimal(120),
                schedules=[edxl.Schedule("RequestedArrival", arrival, site)],
            )
        ],
    )
    outcome = inbound.receive(actor=user, data=edxl.to_bytes(edxl.write_message(message)), sender="sweep-system")
    if outcome.pending is not None:
        world.bind(mark, "interchange.pending", outcome.pending)
    else:
        world.bind(mark, "assistance.request", AssistanceRequest.objects.get(pk=outcome.records[0]["id"]))


def _interchange(world: World) -> None:
    """What other systems sent to some nations and to the centre, and the fan-out of every event to the
    subscriptions."""
    from aidx.interchange.services import webhooks

    for code in _interchange_rng(world).sample(sorted(world.nations), 3):
        for known in (True, False):
            _received(world, world.poc(code), world.airfield[code].code, known=known)
    _received(world, world.users["centre"], world.warehouse.code, known=False)  # type: ignore[attr-defined]
    webhooks.fan_out(limit=100_000)


SEIR = {
    "rt": [[0, 1.6], [14, 0.9]],
    "hospital_rate": 0.05,
    "icu_rate": 0.01,
    "hospital_days": 7,
    "icu_days": 9,
    "incubation_days": 5,
    "infectious_days": 7,
    "infected_share": 0.001,
}


def _preparedness(world: World) -> None:
    """Two plans (the first, agreed, is the one the sweep lists in full), pledges of every nation with random
    releasability (some wider than their plan's), declared own stock, two scenarios, runs by the centre and by
    nations executed as the worker would, and activations of pledges into offers."""
    from aidx.preparedness import services as prep
    from aidx.preparedness.runs import run_execute

    rng, coordinator = world.rng, world.users["centre"]
    plans = []
    for n, releasability in enumerate([rng.choice(["allies", "allies_partners"]), "named"]):
        mark = world.token()
        release_to = rng.sample(list(world.nations), 3) if releasability == "named" else None
        plan = prep.plan_create(
            actor=coordinator,
            name=f"Operational plan {mark}",
            incident=f"sweep-{n}",
            valid_from=world.today,
            releasability=releasability,
            release_to=release_to,
        )
        prep.rates_set(
            actor=coordinator,
            plan=plan,
            rates=[
                prep.RateInput(item="sweep-ventilator", basis="icu", rate="1", durable=True, priority=1),
                prep.RateInput(item="sweep-mask", basis="bed", rate="5", priority=2),
            ],
        )
        if n == 0:
            plan = prep.plan_agree(actor=coordinator, plan=plan)
        plans.append(world.bind(mark, "preparedness.plan", plan))
    pledges = []
    for code in world.nations:
        for plan in rng.sample(plans, rng.randint(1, 2)):
            mark = world.token()
            releasability, release_to = _releasability(world, code)
            item = rng.random() < 0.8
            try:
                made = prep.pledges_create(
                    actor=world.poc(code),
                    plan=plan,
                    pledges=[
                        prep.PledgeInput(
                            item=rng.choice(["sweep-mask", "sweep-ventilator"]) if item else None,
                            capability=None if item else rng.choice([TEAM, "sweep-lifter"]),
                            quantity=rng.randint(5, 500),
                            notice_days=rng.randint(0, 10),
                            origin_site=world.airfield[code].code,
                            valid_from=world.today,
                            notes=f"Standby {mark}",
                        )
                    ],
                    releasability=releasability,
                    release_to=release_to,
                )
            except BusinessError:
                continue  # the plan is not for this nation's eyes, or the service refuses a wider release
            pledges.append(world.bind(mark, "preparedness.pledge", made[0]))
    for code in rng.sample(list(world.nations), 3):
        prep.own_stock_declare(actor=world.poc(code), item="sweep-ventilator", quantity=rng.randint(1, 50))
    codes = rng.sample(list(world.nations), 3)
    scenarios = []
    for releasability in ("allies_partners", rng.choice(["allies", "allies_partners"])):
        mark = world.token()
        scenario = prep.scenario_create(
            actor=coordinator,
            name=f"Wave {mark}",
            incident="sweep-0",
            start=world.today,
            horizon_days=28,
            parameters={
                "seir": SEIR,
                "nations": [
                    {
                        "code": code,
                        "population": 1_000_000,
                        "lat": float(world.airfield[code].latitude),
                        "lon": float(world.airfield[code].longitude),
                    }
                    for code in codes
                ],
            },
            releasability=releasability,
        )
        scenarios.append(world.bind(mark, "preparedness.scenario", scenario))
    runners = [coordinator, *(world.poc(code) for code in rng.sample(list(world.nations), 3))]
    for runner in runners:
        viewer = viewer_for(runner, on=world.today)
        seen = [s for s in scenarios if may_see(viewer, s)]
        if not seen or not may_see(viewer, plans[0]):
            continue
        run = prep.run_start(actor=runner, plan=plans[0], scenario=rng.choice(seen), runs=3, seed=rng.randint(0, 99))
        run_execute(run.pk)
    for pledge in [p for p in pledges if p.plan_id == plans[0].pk and p.item_id][:3]:
        activation = prep.pledge_activate(actor=pledge.created_by, pledge=pledge, quantity=max(1, pledge.quantity // 2))
        # the offer's title is the service's ("Standby pledge activated: ..."): the world marks it to find it
        mark = world.token()
        offer = Offer.objects.get(pk=activation.offer_id)
        Offer.objects.filter(pk=offer.pk).update(title=f"{offer.title} {mark}")
        world.bind(mark, "assistance.offer", offer)


def _resilience(world: World) -> None:
    """A template; self-assessments of most nations (drafts, submitted, reviewed) with random releasability, the
    centre's comments, action plans (some overdue); manufacturers of the stockpile's items."""
    from aidx.resilience import services as res

    rng, coordinator = world.rng, world.users["centre"]
    levels = {lang: [f"{lang} level {n}" for n in range(5)] for lang in ("en", "nb", "nn")}
    template = res.template_create(
        actor=SYSTEM,
        code="sweep",
        titles={"en": "Baseline", "nb": "Grunnlinje", "nn": "Grunnline"},
        indicators=[
            {
                "code": f"{requirement}.1",
                "requirement": requirement,
                "weight": 1,
                "required": True,
                "evidence": "national_cover" if requirement == 5 else "",
                **{f"question_{lang}": f"Question {requirement}" for lang in ("en", "nb", "nn")},
                **{f"guidance_{lang}": "" for lang in ("en", "nb", "nn")},
                "levels": levels,
            }
            for requirement in range(1, 8)
        ],
    )
    for code in rng.sample(list(world.nations), 7):
        poc = world.poc(code)
        for _n in range(rng.randint(1, 2)):
            mark = world.token()
            assessment = res.assessment_start(actor=poc, template=template, title=f"Self-assessment {mark}")
            world.bind(mark, "resilience.assessment", assessment)
            res.answers_save(
                actor=poc,
                assessment=assessment,
                answers=[
                    {"indicator": a.indicator.code, "level": rng.randint(0, 4), "evidence": "Seen"}
                    for a in assessment.answers.select_related("indicator")
                ],
            )
            choice = rng.choice(["owner_centre", "owner_centre", "allies", "allies_partners", "named"])
            named = [world.nations[c] for c in rng.sample([c for c in world.nations if c != code], 2)]
            if choice != "owner_centre":
                res.assessment_release(
                    actor=poc,
                    assessment=assessment,
                    releasability=choice,
                    release_to=named if choice == "named" else None,
                )
            mark = world.token()
            action = res.action_create(
                actor=poc,
                assessment=assessment,
                description=f"Stock up {mark}",
                responsible="Ministry of Health",
                due=world.today + dt.timedelta(days=rng.choice([-20, -3, 15, 90])),
            )
            world.bind(mark, "resilience.action", action)
            if rng.random() < 0.2:
                continue
            res.assessment_transition(actor=poc, assessment=assessment, action="submit")
            mark = world.token()
            comment = res.comment_add(actor=coordinator, assessment=assessment, text=f"Please explain {mark}")
            world.bind(mark, "resilience.comment", comment)
            if rng.random() < 0.5:
                res.assessment_transition(actor=coordinator, assessment=assessment, action="review")
    for n, (country, item) in enumerate([("CHN", "sweep-mask"), ("DEU", "sweep-mask"), ("USA", "sweep-ventilator")]):
        mark = world.token()
        maker = res.manufacturer_create(
            actor=coordinator,
            code=f"sweep-maker-{n}",
            name=f"Maker {mark}",
            production_country=country,
            items=[item],
            ownerships=[{"owner_name": f"Owner {n}", "owner_country": country, "valid_from": dt.date(2000, 1, 1)}],
        )
        world.bind(mark, "resilience.manufacturer", maker)


def build(seed: int) -> World:
    """The world for `seed`. Call inside a transaction that is rolled back afterwards."""
    world = World(seed=seed, today=timezone.localdate(), rng=random.Random(seed))
    _memberships(world)
    _people_and_things(world)
    _subscriptions(world)
    _issue_cases(world)
    requests = _requests(world)
    offers = _offers(world, requests)
    allocations = _allocations(world, requests, offers)
    _missions(world, allocations)
    _deployments(world, allocations)
    _runs(world)
    _documents(world)
    _stock_and_fund(world)
    _interchange(world)
    _preparedness(world)
    _resilience(world)
    return world
