from __future__ import annotations

from django.urls import path

from . import public_views, views

app_name = "surveys"

urlpatterns = [
    # Respondents (no login).
    path("s/<slug:slug>/", public_views.public_survey, name="public"),
    path("s/<slug:slug>/thanks/", public_views.thanks, name="thanks"),
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else is no token, so 404 before any query.
    path("i/<slug:token>/", public_views.personal_survey, name="personal"),
    # Organisers and hosts.
    path("", views.survey_list, name="list"),
    path("new/", views.survey_create, name="create"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/status/", views.survey_status, name="status"),
    path("<int:pk>/questions/<int:question_pk>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/questions/<int:question_pk>/move/", views.question_move, name="question_move"),
    path("<int:pk>/invitations/", views.invitations, name="invitations"),
    path("<int:pk>/invitations/export/", views.invitations_export, name="invitations_export"),
    path("<int:pk>/invitations/email/", views.invitations_email, name="invitations_email"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/text/", views.text_answers, name="text"),
    path("<int:pk>/results/text/<int:answer_pk>/tags/", views.answer_tag, name="answer_tag"),
    path("<int:pk>/responses/", views.identified, name="identified"),
    path("<int:pk>/export/", views.export, name="export"),
    path("<int:pk>/discussions/new/", views.discussion_create, name="discussion_create"),
    path("discussions/<int:pk>/", views.discussion, name="discussion"),
]
