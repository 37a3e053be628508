from django.urls import include, path

from . import views
from .doorstep import views as doorstep

app_name = "canvassing"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:pk>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/targets/count/", views.target_count, name="target_count"),
    path("<int:pk>/targets/", views.target_save, name="target_save"),
    path("<int:pk>/targets/<int:target_pk>/cut/", views.target_cut, name="target_cut"),
    path("<int:pk>/dashboard/", views.campaign_dashboard, name="dashboard"),
    path("<int:pk>/questions/", views.campaign_questions, name="questions"),
    path("<int:pk>/questions/<int:question_pk>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/questions/<int:question_pk>/move/", views.question_move, name="question_move"),
    path("<int:pk>/review/", views.campaign_review, name="review"),
    path("<int:pk>/review/<int:contact_pk>/resolve/", views.review_resolve, name="review_resolve"),
    path("electors/<int:pk>/", views.elector_detail, name="elector"),
    path("electors/<int:pk>/link/", views.elector_link, name="elector_link"),
    path("electors/<int:pk>/unlink/", views.elector_unlink, name="elector_unlink"),
    path("paper/<int:walk_pk>/", views.paper_entry, name="paper_entry"),
    # The doorstep app: everything under one path so the service worker's scope covers it.
    path("doorstep/", doorstep.app, name="doorstep"),
    path("doorstep/sw.js", doorstep.service_worker, name="doorstep_sw"),
    path("doorstep/manifest.webmanifest", doorstep.manifest, name="doorstep_manifest"),
    path("doorstep/icon.svg", doorstep.icon, name="doorstep_icon"),
    path("doorstep/api/walks/", doorstep.api_walks, name="doorstep_walks"),
    path("doorstep/api/walks/<int:pk>/", doorstep.api_walk, name="doorstep_walk"),
    path("doorstep/api/sync/", doorstep.api_sync, name="doorstep_sync"),
    path("walks/", include(("groundswell.canvassing.walks.urls", "walks"), namespace="walks")),
]
