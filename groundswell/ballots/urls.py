from __future__ import annotations

from django.urls import path

from . import views

app_name = "ballots"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.create, name="create"),
    path("triggers/", views.trigger_list, name="triggers"),
    path("triggers/<int:pk>/", views.trigger_detail, name="trigger"),
    # Public: voting with a code, the bulletin, the certified result.
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/lost-code/", views.lost_code, name="lost_code"),
    path("<int:pk>/cast.json", views.cast_json, name="cast_json"),
    path("<int:pk>/bulletin/", views.bulletin, name="bulletin"),
    path("<int:pk>/result/", views.result, name="result"),
    # Procedures secretary and returning officer.
    path("<int:pk>/", views.manage, name="manage"),
    path("<int:pk>/codes/", views.send_codes, name="send_codes"),
    path("<int:pk>/count/", views.run_count, name="count"),
    path("<int:pk>/certify/", views.certify, name="certify"),
    path("<int:pk>/papers/issue/", views.issue_paper, name="issue_paper"),
    path("<int:pk>/papers/enter/", views.enter_paper, name="enter_paper"),
    path("<int:pk>/papers/accept/", views.accept_papers, name="accept_papers"),
    path("<int:pk>/papers/resolve/", views.resolve_paper, name="resolve_paper"),
]
