from django.http import Http404

# Stubs until this part is built: every URL the other parts link to resolves.


def promises(request, pk):
    raise Http404("Not built yet.")


def knockup_lists(request, pk):
    raise Http404("Not built yet.")


def knockup_cut(request, pk):
    raise Http404("Not built yet.")


def knockup_hand_out(request, pk):
    raise Http404("Not built yet.")


def knockup_pdf(request, pk):
    raise Http404("Not built yet.")


def knockup_voted(request, pk):
    raise Http404("Not built yet.")


def knockup_sync(request, pk):
    raise Http404("Not built yet.")


def my_knock_up_lists(request):
    raise Http404("Not built yet.")


def knockup_run(request, pk):
    raise Http404("Not built yet.")


def committee_room_board(request, pk, room):
    raise Http404("Not built yet.")


def turnout(request, pk):
    raise Http404("Not built yet.")
