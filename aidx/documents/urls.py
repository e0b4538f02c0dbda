from django.urls import path

from aidx.documents import views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_create, name="create"),
    path("<int:document_id>/", views.document_detail, name="detail"),
]
