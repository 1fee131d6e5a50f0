from django.shortcuts import render

from ortaq.accounts.selectors import access_for, memberships_of

from .inbox import inbox_for


def home(request):
    context = {}
    if request.user.is_authenticated:
        from ortaq.agreements.selectors import agreement_list

        access = access_for(request.user)
        context = {
            "inbox": inbox_for(actor=request.user),
            "memberships": memberships_of(user=request.user),
            "recent_agreements": agreement_list(actor=request.user)[:5],
            "is_admin": access.is_admin,
            "is_ministry": access.is_ministry,
        }
    return render(request, "web/home.html", context)
