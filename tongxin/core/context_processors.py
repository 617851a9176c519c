from django.conf import settings

from tongxin.core import nav


def shell(request):
    user = getattr(request, "user", None)
    sections = nav.sections_for(user) if user is not None and user.is_authenticated else []
    current = request.path
    for section in sections:
        section["active"] = any(current.startswith(item["url"]) for item in section["items"])
    return {"nav_sections": sections, "site_name": settings.TONGXIN_SITE_NAME}
