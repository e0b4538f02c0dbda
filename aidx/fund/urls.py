from django.urls import path

from aidx.fund import views

app_name = "fund"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("pledges/", views.pledge_list, name="pledges"),
    path("pledges/<int:pledge_id>/", views.pledge_detail, name="pledge"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/<slug:action>/", views.order_action, name="order_action"),
    path("statements/", views.statements, name="statements"),
    path("statements/<str:code>/", views.statement, name="statement"),
]
