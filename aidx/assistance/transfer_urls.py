from django.urls import re_path

from aidx.assistance import transfer_views as views

app_name = "transfer"

_IMPORT = r"^import/(?P<kind>request|offer)/"

urlpatterns = [
    re_path(_IMPORT + r"$", views.import_upload, name="import"),
    re_path(_IMPORT + r"apply/$", views.import_apply, name="import_apply"),
    re_path(_IMPORT + r"done/(?P<pk>[0-9]+)/$", views.import_done, name="import_done"),
    re_path(_IMPORT + r"template\.(?P<fmt>csv|xlsx)$", views.import_template, name="import_template"),
    re_path(
        r"^export/(?P<kind>requests|request-lines|offers|offer-lines|allocations)\.(?P<fmt>csv|xlsx)$",
        views.export,
        name="export",
    ),
]
