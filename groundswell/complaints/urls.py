from __future__ import annotations

from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.lodge, name="lodge"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/appeal/", views.mine_appeal, name="mine_appeal"),
    path("mine/<int:pk>/evidence/", views.mine_evidence, name="mine_evidence"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("follow/<str:token>/evidence/", views.follow_evidence, name="follow_evidence"),
    path("statistics/", views.statistics, name="statistics"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/access/", views.access_history, name="access"),
    path("cases/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="action"),
    path("backlog/", views.backlog, name="backlog"),
    path("training/", views.training, name="training"),
    path("conflicts/", views.conflicts, name="conflicts"),
]
