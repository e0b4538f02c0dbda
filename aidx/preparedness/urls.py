from django.urls import path

from aidx.preparedness import views

app_name = "preparedness"

urlpatterns = [
    path("", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("scenarios/new/", views.scenario_create, name="scenario_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/pledges.<str:fmt>", views.pledge_export, name="pledge_export"),
    path("plans/<int:pk>/import/", views.pledge_import, name="pledge_import"),
    path("plans/<int:pk>/<str:action>/", views.plan_action, name="plan_action"),
    path("pledges/<int:pk>/", views.pledge_detail, name="pledge"),
    path("pledges/<int:pk>/<str:action>/", views.pledge_action, name="pledge_action"),
    path("runs/compare/", views.run_compare, name="compare"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/export.<str:fmt>", views.run_export, name="run_export"),
    path("runs/<int:pk>/<str:action>/", views.run_action, name="run_action"),
]
