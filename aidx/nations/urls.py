from django.urls import path

from aidx.nations import views

app_name = "nations"

urlpatterns = [
    path("nations/", views.nation_list, name="list"),
    path("nations/<str:code>/", views.nation_detail, name="detail"),
    path("sites/", views.site_list, name="sites"),
    path("organisations/", views.organisation_list, name="organisations"),
]
