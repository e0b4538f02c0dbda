"""HXL out of the interchange: standby pledges of every plan, as each reader may see them, with hashtags the pledge
import reads back into a plan; the 3W view names each row's allocation."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aidx.preparedness import services as preparedness
from aidx.preparedness.models import Pledge
from aidx.preparedness.transfer import read_pledges


def _rows(client, user) -> list[list[str]]:
    client.force_login(user)
    answer = client.get("/interchange/hxl/pledges.csv")
    assert answer.status_code == 200
    body = b"".join(answer.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_it_exports_the_standby_pledges_each_reader_may_see_with_hxl_hashtags(prep, client):
    w = prep.world
    seen = {}
    for who in ("ally_a", "ally_b", "partner", "outsider", "coordinator"):
        header, hashtags, *rows = _rows(client, getattr(w, who))
        assert hashtags[header.index("item")] == "#item +code" and hashtags[header.index("incident")] == "#event +code"
        seen[who] = sorted(int(row[header.index("pledge")]) for row in rows)
    spain, italy, bilateral = prep.spain_open.pk, prep.italy_allies.pk, prep.spain_bilateral.pk
    assert seen == {
        "ally_a": sorted([spain, italy, bilateral]),  # Spain's bilateral pledge is released to Italy
        "ally_b": sorted([spain, italy, bilateral]),
        "partner": [spain],  # Italy's is for allies only
        "outsider": [],
        "coordinator": sorted([spain, italy, bilateral]),
    }


def test_exported_pledges_read_back_into_a_plan(prep, client):
    """The export's hashtag row names the columns for the import, whatever the header row says."""
    w = prep.world
    prep.pledge(w.ally_b, item="mask-ffp2", quantity=2500, notice=5, notes="Pallets of 500", terms="loan")
    header, hashtags, *rows = _rows(client, w.ally_b)
    mine = [row for row in rows if row[header.index("nation")] == "ESP"]
    renamed = [f"Column {n}" for n in range(len(header))]  # another system's own header names
    upload = io.StringIO()
    csv.writer(upload).writerows([renamed, hashtags, *mine])
    pledges = read_pledges(SimpleUploadedFile("pledges.csv", upload.getvalue().encode(), content_type="text/csv"))
    made = preparedness.pledges_create(actor=w.ally_b, plan=prep.plan, pledges=pledges, rows=True)

    def fields(pledge: Pledge) -> tuple:
        return (
            pledge.item.code if pledge.item else None,
            pledge.quantity,
            pledge.notice_days,
            pledge.origin_site.code,
            pledge.valid_from,
            pledge.valid_until,
            pledge.terms,
            pledge.notes,
        )

    originals = Pledge.objects.filter(owner_nation="ESP").exclude(pk__in=[p.pk for p in made]).order_by("id")
    assert sorted(map(fields, made)) == sorted(map(fields, originals))
    assert ("mask-ffp2", 2500, 5, "madrid", prep.today, None, "loan", "Pallets of 500") in map(fields, made)


def test_a_pledge_file_without_hashtags_still_reads_by_its_header_names(prep):
    text = "item,quantity,notice_days,origin_site,valid_from\nventilator,3,1,madrid,2020-04-01\n"
    (pledge,) = read_pledges(SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv"))
    assert (pledge.item, pledge.quantity, pledge.origin_site) == ("ventilator", "3", "madrid")


@pytest.mark.parametrize("hashtag", ["#capacity +remaining", "#org +provider"])
def test_a_column_the_import_does_not_read_is_read_past(prep, hashtag):
    text = f"#item +code,#capacity,{hashtag},#meta +notice_days,#loc +code,#date +start\n"
    text += "ventilator,4,9,2,madrid,2020-04-01\n"
    (pledge,) = read_pledges(SimpleUploadedFile("p.csv", text.encode(), content_type="text/csv"))
    assert (pledge.item, pledge.quantity, pledge.notice_days) == ("ventilator", "4", "2")
