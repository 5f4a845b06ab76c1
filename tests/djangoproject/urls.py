from django.http import HttpResponse
from django.urls import path


def ping(request):
    return HttpResponse("pong")


def boom(request):
    raise ValueError("boom")


urlpatterns = [path("ping/", ping), path("boom/", boom)]
