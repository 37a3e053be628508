from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.people_list, name="list"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("me/", views.my_record, name="me"),
    path("export/", views.export_people, name="export"),
    path("import/", views.import_people, name="import"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("merge/<int:keep>/<int:other>/", views.merge, name="merge"),
]
