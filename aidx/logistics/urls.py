from django.urls import path

from aidx.logistics import views

app_name = "logistics"

urlpatterns = [
    path("", views.mission_list, name="missions"),
    path("missions/<int:mission_id>/", views.mission_detail, name="mission"),
    path("missions/new/", views.mission_create, name="mission_create"),
    path("missions/<int:mission_id>/<slug:action>/", views.mission_action, name="mission_action"),
    path("fleet/", views.fleet, name="fleet"),
    path("fleet/new/", views.aircraft_create, name="aircraft_create"),
    path("planner/", views.planner, name="planner"),
    path("planner/<int:run_id>/", views.run_detail, name="run"),
    path("planner/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path("planner/<int:run_id>/<slug:action>/", views.run_action, name="run_action"),
    path("deployments/", views.deployment_list, name="deployments"),
    path("deployments/new/", views.deployment_create, name="deployment_create"),
    path("deployments/<int:deployment_id>/", views.deployment_detail, name="deployment"),
    path("deployments/<int:deployment_id>/record/", views.deployment_record, name="deployment_record"),
    path("deployments/<int:deployment_id>/<slug:action>/", views.deployment_action, name="deployment_action"),
]
