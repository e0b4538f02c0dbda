from django.urls import path

from aidx.stockpile import views

app_name = "stockpile"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("warehouses/<slug:code>/", views.warehouse, name="warehouse"),
    path("lots/", views.lot_list, name="lots"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot"),
    path("lots/<int:lot_id>/<slug:action>/", views.lot_action, name="lot_action"),
    path("receive/", views.receive, name="receive"),
    path("ledger/", views.ledger, name="ledger"),
    path("allocations/", views.allocations, name="allocations"),
    path("allocations/<int:allocation_id>/<slug:action>/", views.allocation_action, name="allocation_action"),
    path("offer/sync/", views.offer_sync, name="offer_sync"),
]
