from django.urls import path

from aidx.assistance import views

app_name = "exchange"

urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/<slug:action>/", views.request_action, name="request_action"),
    path("offers/", views.offer_list, name="offers"),
    path("offers/new/", views.offer_create, name="offer_create"),
    path("offers/<int:offer_id>/", views.offer_detail, name="offer"),
    path("offers/<int:offer_id>/<slug:action>/", views.offer_action, name="offer_action"),
    path("allocations/", views.allocation_list, name="allocations"),
    path("allocations/<int:allocation_id>/", views.allocation_detail, name="allocation"),
    path("allocations/<int:allocation_id>/<slug:action>/", views.allocation_action, name="allocation_action"),
    path("inbox/", views.inbox, name="inbox"),
]
