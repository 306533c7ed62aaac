from django.http import Http404

# Stubs until this part is built: every URL the other parts link to resolves.


def election_list(request):
    raise Http404("Not built yet.")


def election_create(request):
    raise Http404("Not built yet.")


def election_detail(request, pk):
    raise Http404("Not built yet.")


def election_edit(request, pk):
    raise Http404("Not built yet.")


def station_list(request, pk):
    raise Http404("Not built yet.")


def station_edit(request, pk, station):
    raise Http404("Not built yet.")


def committee_room_create(request, pk):
    raise Http404("Not built yet.")


def committee_room_edit(request, pk, room):
    raise Http404("Not built yet.")


def shift_list(request, pk):
    raise Http404("Not built yet.")


def shift_create(request, pk):
    raise Http404("Not built yet.")


def shift_edit(request, pk):
    raise Http404("Not built yet.")


def my_shifts(request):
    raise Http404("Not built yet.")


def shift_signup(request, pk):
    raise Http404("Not built yet.")


def shift_cancel(request, pk):
    raise Http404("Not built yet.")
