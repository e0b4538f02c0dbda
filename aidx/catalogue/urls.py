from django.urls import path

from aidx.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("items/", views.item_list, name="items"),
    path("capabilities/", views.capability_list, name="capabilities"),
]
