from __future__ import annotations

from django.urls import path

from .views import organiser, public

app_name = "surveys"

urlpatterns = [
    # Respondents (no login).
    path("s/<slug:slug>/", public.public_survey, name="public"),
    path("s/<slug:slug>/thanks/", public.thanks, name="thanks"),
    # Tokens are URL-safe base64 (secrets.token_urlsafe): anything else is no token, so 404 before any query.
    path("i/<slug:token>/", public.personal_survey, name="personal"),
    # Organisers and hosts.
    path("", organiser.survey_list, name="list"),
    path("new/", organiser.survey_create, name="create"),
    path("<int:pk>/", organiser.survey_detail, name="detail"),
    path("<int:pk>/edit/", organiser.survey_edit, name="edit"),
    path("<int:pk>/status/", organiser.survey_status, name="status"),
    path("<int:pk>/questions/<int:question_pk>/remove/", organiser.question_remove, name="question_remove"),
    path("<int:pk>/questions/<int:question_pk>/move/", organiser.question_move, name="question_move"),
    path("<int:pk>/invitations/", organiser.invitations, name="invitations"),
    path("<int:pk>/invitations/export/", organiser.invitations_export, name="invitations_export"),
    path("<int:pk>/invitations/email/", organiser.invitations_email, name="invitations_email"),
    path("<int:pk>/results/", organiser.results, name="results"),
    path("<int:pk>/results/text/", organiser.text_answers, name="text"),
    path("<int:pk>/results/text/<int:answer_pk>/tags/", organiser.answer_tag, name="answer_tag"),
    path("<int:pk>/responses/", organiser.identified, name="identified"),
    path("<int:pk>/export/", organiser.export, name="export"),
    path("<int:pk>/discussions/new/", organiser.discussion_create, name="discussion_create"),
    path("discussions/<int:pk>/", organiser.discussion, name="discussion"),
]
