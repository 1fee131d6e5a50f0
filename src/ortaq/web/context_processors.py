from django.utils.translation import get_language


def navigation(request):
    path = request.path
    language = get_language() or "en"
    prefix = f"/{language}/"
    without = path[len(prefix) - 1 :] if path.startswith(prefix) else path
    sees_people = False
    if request.user.is_authenticated:
        from ortaq.accounts.selectors import access_for

        access = access_for(request.user)
        sees_people = access.is_admin or bool(access.staff_of)
        from ortaq.notifications.selectors import unread_count

        unread = unread_count(user=request.user)
    else:
        unread = 0
    return {"nav_path_without_language": without, "nav_sees_people": sees_people, "nav_unread": unread}
