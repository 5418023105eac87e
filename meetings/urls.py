"""The joint meetings' addresses, under /staff/meetings/ (docs/meetings.md)."""

from django.urls import path

from meetings import views, views_items, views_proposals

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/<int:pk>/done/", views.decision_done, name="decision_done"),
    path("proposals/", views_proposals.proposal_list, name="proposals"),
    path("proposals/<int:pk>/accept/", views_proposals.proposal_accept, name="proposal_accept"),
    path("proposals/<int:pk>/dismiss/", views_proposals.proposal_dismiss, name="proposal_dismiss"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/hold/", views.meeting_hold, name="hold"),
    path("<int:pk>/invite/", views.meeting_invite, name="invite"),
    path("<int:pk>/approve/", views.meeting_approve, name="approve"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("<int:pk>/corrections/", views.meeting_correct, name="correct"),
    path("<int:pk>/agenda/", views.print_agenda, name="print_agenda"),
    path("<int:pk>/minutes/", views.print_minutes, name="print_minutes"),
    path("<int:pk>/agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("<int:pk>/agenda/cases/", views_items.add_case, name="add_case"),
    path("<int:pk>/agenda/topics/", views_items.add_topic, name="add_topic"),
    path("<int:pk>/items/<int:item_pk>/edit/", views_items.item_edit, name="item_edit"),
    path("<int:pk>/items/<int:item_pk>/move/", views_items.item_move, name="item_move"),
    path("<int:pk>/items/<int:item_pk>/remove/", views_items.item_remove, name="item_remove"),
    path("<int:pk>/items/<int:item_pk>/files/", views_items.item_attach, name="item_attach"),
    path("<int:pk>/items/<int:item_pk>/minutes/", views_items.item_minutes, name="item_minutes"),
    path("<int:pk>/items/<int:item_pk>/decide/", views_items.item_decide, name="item_decide"),
    path("<int:pk>/items/<int:item_pk>/defer/", views_items.item_defer, name="item_defer"),
    path("<int:pk>/files/<int:file_pk>/", views_items.attachment, name="file"),
]
