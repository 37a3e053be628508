from __future__ import annotations

from django.urls import path

from . import views

app_name = "spending"

urlpatterns = [
    path("", views.home, name="home"),
    path("national/", views.national, name="national"),
    path("shared/", views.shared_item, name="shared_item"),
    path("party-return/", views.party_return, name="party_return"),
    path("seats/<int:pk>/", views.seat, name="seat"),
    path("seats/<int:pk>/items/", views.add_item, name="add_item"),
    path("seats/<int:pk>/items/<int:item_pk>/correct/", views.correct_item, name="correct_item"),
    path("seats/<int:pk>/items/<int:item_pk>/withdraw/", views.withdraw_item, name="withdraw_item"),
    path("seats/<int:pk>/items/<int:item_pk>/dispute/", views.dispute_item, name="dispute_item"),
    path("seats/<int:pk>/personal/", views.add_personal_expense, name="add_personal_expense"),
    path("seats/<int:pk>/submit/", views.submit, name="submit"),
    path("seats/<int:pk>/return.<str:fmt>", views.return_download, name="return"),
    path("evidence/<int:pk>/", views.evidence, name="evidence"),
]
