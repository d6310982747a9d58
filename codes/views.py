from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from codes.models import Code, Kind, Release


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    release = Release.objects.order_by("-effective_date").first()
    counts = {
        "procedures": Code.objects.in_current_release().procedures().count() if release else 0,
        "modifiers": Code.objects.in_current_release().modifiers().count() if release else 0,
    }
    return render(request, "codes/home.html", {"release": release, "counts": counts})


@require_GET
def code_detail(request: HttpRequest, code: str) -> HttpResponse:
    record = get_object_or_404(Code, kind=Kind.PROCEDURE, code=code.upper())
    return render(request, "codes/code_detail.html", {"code": record})


@require_GET
def modifier_detail(request: HttpRequest, code: str) -> HttpResponse:
    record = get_object_or_404(Code, kind=Kind.MODIFIER, code=code.upper())
    return render(request, "codes/code_detail.html", {"code": record})


@require_GET
def release_detail(request: HttpRequest, name: str) -> HttpResponse:
    release = get_object_or_404(Release, name=name)
    return render(request, "codes/release_detail.html", {"release": release})


# Placeholders below are replaced by the full pages.
def _todo(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return HttpResponse("Not built yet", status=501)


code_list = modifier_list = search = glossary = contact = release_list = _todo
code_json = modifier_json = _todo
