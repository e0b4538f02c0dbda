"""The server log: a refusal is one line, not a traceback."""

from __future__ import annotations

import logging


def test_it_logs_a_refused_request_on_one_line_without_a_traceback(client, world, caplog):
    client.force_login(world.ally_a)  # a point of contact may not read the audit log
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/audit/").status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in refused] == ["Forbidden (Permission denied): /audit/"]
    assert refused[0].exc_info is None and "Traceback" not in caplog.text
