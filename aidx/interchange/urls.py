from django.urls import path, re_path

from aidx.interchange import views

app_name = "interchange"

urlpatterns = [
    path("", views.index, name="index"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:pending_id>/", views.pending, name="pending"),
    re_path(r"^queue/(?P<pending_id>[0-9]+)/(?P<action>create|discard)/$", views.pending_action, name="pending_action"),
    re_path(r"^(?P<kind>request|offer|allocation)/(?P<pk>[0-9]{1,18})\.xml$", views.record_xml, name="xml"),
    re_path(r"^hxl/(?P<kind>requests|offers|pledges|3w)\.csv$", views.hxl_export, name="hxl"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:subscription_id>/", views.subscription, name="subscription"),
    re_path(
        r"^subscriptions/(?P<subscription_id>[0-9]+)/(?P<action>pause|resume)/$",
        views.subscription_action,
        name="subscription_action",
    ),
]
