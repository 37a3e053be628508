"""Walk pages. Mounted by the project under /canvassing/walks/ with namespace "walks" (no app_name here)."""

from django.urls import path

from . import views

urlpatterns = [
    path("campaign/<int:campaign_id>/", views.walk_list, name="list"),
    path("campaign/<int:campaign_id>/report/", views.board_report, name="report"),
    path("<int:walk_id>/", views.walk_detail, name="detail"),
    path("<int:walk_id>/sheet.pdf", views.walk_sheet, name="sheet"),
]
