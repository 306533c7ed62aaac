from django.http import Http404

# Stubs until this part is built: every URL the other parts link to resolves.


def absent_voters_import(request, pk):
    raise Http404("Not built yet.")


def postal_returns_import(request, pk):
    raise Http404("Not built yet.")


def marked_register_import(request, pk):
    raise Http404("Not built yet.")
