"""The live board's URLs, included in phonebank/urls.py (whose app_name is "phonebank")."""

from django.urls import path

from phonebank.views import board

urlpatterns = [
    path("campaigns/<int:pk>/board/", board.board, name="board"),
    path("campaigns/<int:pk>/board/live/", board.board_live, name="board_live"),
    path(
        "campaigns/<int:pk>/callers/<int:caller_pk>/pause/",
        board.caller_pause,
        name="caller_pause",
    ),
    path(
        "campaigns/<int:pk>/callers/<int:caller_pk>/resume/",
        board.caller_resume,
        name="caller_resume",
    ),
    path(
        "campaigns/<int:pk>/callers/<int:caller_pk>/remove/",
        board.caller_remove,
        name="caller_remove",
    ),
]
