from django.urls import path

from aidx.resilience import views

app_name = "resilience"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("assessments/<int:pk>/print/", views.assessment_print, name="assessment_print"),
    path("assessments/<int:pk>/<slug:action>/", views.assessment_action, name="assessment_action"),
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/<slug:name>/", views.action_action, name="action_action"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("supply/", views.vulnerability, name="supply"),
    path("supply/manufacturers/<int:pk>/", views.manufacturer_detail, name="manufacturer"),
]
