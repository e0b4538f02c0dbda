"""The project's URLs plus, until aidx/api.py mounts it, the logistics router under /api/v1/logistics, served
by a test API with the project's authentication and error format."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI

from aidx.accounts.api import auth_methods
from aidx.api import api
from aidx.logistics.api import router
from aidx.urls import urlpatterns as project_urls

urlpatterns = list(project_urls)
if not any(mounted is router for _prefix, mounted in api._routers):
    test_api = NinjaAPI(auth=auth_methods, urls_namespace="logistics-test-api", docs_url=None, openapi_url=None)
    test_api._exception_handlers = api._exception_handlers
    test_api.add_router("/logistics", router)
    urlpatterns.append(path("api/v1/", test_api.urls))
