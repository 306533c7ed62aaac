from django.http import Http404

# Stubs until this part is built: every URL the other parts link to resolves.


def tell_choose(request):
    raise Http404("Not built yet.")


def tell(request, election, station):
    raise Http404("Not built yet.")


def tell_sync(request, election, station):
    raise Http404("Not built yet.")


def tell_lookup(request, election, station):
    raise Http404("Not built yet.")
