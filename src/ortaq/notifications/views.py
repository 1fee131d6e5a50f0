from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from ortaq.lib.views import paginate

from . import selectors, services


@login_required
def notification_list(request):
    ctx = paginate(request, selectors.notifications_of(user=request.user))
    language = translation.get_language()
    ctx["rendered"] = [(n, *services.render(n, language)) for n in ctx["page"]]
    return render(request, "notifications/list.html", ctx)


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(user=request.user)
    return redirect("notifications:list")
