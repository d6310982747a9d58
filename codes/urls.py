from django.urls import path

from codes import views

app_name = "codes"

urlpatterns = [
    path("", views.home, name="home"),
    path("codes/<str:code>/", views.code_detail, name="detail"),
    path("modifiers/<str:code>/", views.modifier_detail, name="modifier_detail"),
    path("releases/<str:name>/", views.release_detail, name="release_detail"),
]
