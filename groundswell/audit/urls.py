from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("subject-access/<int:person_id>/", views.subject_access, name="subject_access"),
    path("erase/<int:person_id>/", views.erase, name="erase"),
]
