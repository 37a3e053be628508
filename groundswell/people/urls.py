from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("new/", views.person_new, name="new"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("me/", views.my_record, name="me"),
    path("export/", views.export_people, name="export"),
    path("import/", views.import_people, name="import"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/<int:keep>/<int:other>/", views.merge, name="merge"),
]
