"""Resilience for the need-to-know sweep (aidx/core/sweep.py): the overview, action lists, templates, scores and the
supply analysis are scanned for any record of the world a user may not see; self-assessments and manufacturers are
not yet subjects of the sweep's world (their pages are exempt below, with that reason)."""

from __future__ import annotations

from aidx.core.sweep import exempt, surface

surface("resilience.overview", "page", ["resilience:overview"], "/resilience/")
surface("resilience.actions", "page", ["resilience:actions"], "/resilience/actions/")
surface("resilience.templates", "page", ["resilience:templates"], "/resilience/templates/")
surface("resilience.supply", "page", ["resilience:supply"], "/resilience/supply/")
surface("resilience.api_templates", "api-list", ["api:templates"], "/api/v1/resilience/templates", api=True)
surface("resilience.api_assessments", "api-list", ["api:assessments"], "/api/v1/resilience/assessments", api=True)
surface("resilience.api_actions", "api-list", ["api:actions"], "/api/v1/resilience/actions", api=True)
surface("resilience.api_scores", "figures", ["api:scores"], "/api/v1/resilience/scores", api=True)
surface("resilience.api_manufacturers", "api-list", ["api:manufacturers"], "/api/v1/resilience/manufacturers", api=True)
surface("resilience.api_vulnerability", "figures", ["api:vulnerability"], "/api/v1/resilience/vulnerability", api=True)
surface("resilience.api_screening", "figures", ["api:screening"], "/api/v1/resilience/screening", api=True)
exempt(
    "no self-assessment, template or manufacturer in the sweep's world yet (to do: make them subjects there)",
    "resilience:assessment",
    "resilience:assessment_print",
    "resilience:template",
    "resilience:manufacturer",
    "api:template",
    "api:assessment",
    "api:manufacturer",
)
exempt(
    "a write: it answers only about a record the actor may act on (tests/test_workflows.py, schemathesis)",
    "resilience:assessment_action",
    "resilience:action_action",
    "api:template_create",
    "api:template_update",
    "api:assessment_start",
    "api:answers_save",
    "api:release",
    "api:comment_add",
    "api:action_create",
    "api:assessment_transition",
    "api:action_transition",
    "api:manufacturer_create",
    "api:ownership_add",
)
