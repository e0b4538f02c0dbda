from django.urls import path

from aidx.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.run_list, name="list"),
    path("<int:run_id>/", views.run_detail, name="detail"),
    path("<int:run_id>/progress/", views.run_progress, name="progress"),
    path("<int:run_id>/<str:action>/", views.run_action, name="action"),
]
