"""The pledge import in two steps, as the exchange's: a preview of every row with every problem listed and nothing
written, then "Record" writes them all (checked again) or none, once."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aidx.preparedness.models import Pledge

HEADER = "item,quantity,notice_days,origin_site,valid_from\n"
GOOD = HEADER + "ventilator,5,2,rome,2030-01-01\nmask-ffp2,900,1,rome,2030-01-01\n"
BAD = HEADER + "ventilator,-5,2,rome,2030-01-01\nnothing,9,-1,atlantis,2030-01-01\n"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, plan, text: str):
    return client.post(
        f"/preparedness/plans/{plan.pk}/import/",
        {"file": SimpleUploadedFile("pledges.csv", text.encode(), content_type="text/csv")},
    )


def test_it_previews_an_upload_and_records_it_only_when_asked(prep):
    italy = _client(prep.world.ally_a)
    before = Pledge.objects.count()
    preview = _upload(italy, prep.plan, GOOD)
    body = preview.content.decode()
    assert preview.status_code == 200 and 'data-testid="import-preview"' in body
    assert Pledge.objects.count() == before  # a preview writes nothing
    token = re.search(r'name="preview" value="([0-9a-f]+)"', body).group(1)
    recorded = italy.post(f"/preparedness/plans/{prep.plan.pk}/import/", {"preview": token})
    assert recorded.status_code == 302
    made = Pledge.objects.filter(owner_nation_id="ITA", plan=prep.plan, notice_days__in=[1, 2], quantity__in=[5, 900])
    assert Pledge.objects.count() == before + 2 and made.count() == 2
    again = italy.post(f"/preparedness/plans/{prep.plan.pk}/import/", {"preview": token})
    assert again.status_code == 400 and Pledge.objects.count() == before + 2  # one preview, one recording


def test_it_lists_every_problem_of_an_upload_and_offers_nothing_to_record(prep):
    italy = _client(prep.world.ally_a)
    before = Pledge.objects.count()
    answer = _upload(italy, prep.plan, BAD)
    body = answer.content.decode()
    assert answer.status_code == 400 and 'data-testid="import-problems"' in body
    assert 'name="preview"' not in body and 'data-testid="import-upload"' in body  # upload again, nothing kept
    for problem in ("Row 1", "Row 2", "unknown item nothing", "unknown origin site atlantis"):
        assert problem in body, problem
    assert Pledge.objects.count() == before
