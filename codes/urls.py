from django.urls import path

from codes import discovery, views
from codes.payments import dmepos_views
from codes.payments import views as drug_views

app_name = "codes"

urlpatterns = [
    path("", views.home, name="home"),
    path("codes/", views.code_list, name="list"),
    path("codes/<str:code>.json", views.code_json, name="detail_json"),
    path("codes/<str:code>/", views.code_detail, name="detail"),
    path("modifiers/", views.modifier_list, name="modifier_list"),
    path("modifiers/<str:code>.json", views.modifier_json, name="modifier_detail_json"),
    path("modifiers/<str:code>/", views.modifier_detail, name="modifier_detail"),
    path("search/", views.search, name="search"),
    path("search/suggest", discovery.suggest, name="suggest"),
    path("glossary/", views.glossary, name="glossary"),
    path("contact/", views.contact, name="contact"),
    path("releases/", views.release_list, name="releases"),
    path("releases/<str:name>/", views.release_detail, name="release_detail"),
    path("drugs/", drug_views.drug_prices, name="drug_prices"),
    path("drugs/changes/", drug_views.drug_price_changes, name="drug_price_changes"),
    path("ndc/<str:ndc>/", drug_views.ndc_detail, name="ndc_detail"),
    path("dmepos/", dmepos_views.dmepos_list, name="dmepos_list"),
    path("dmepos/changes/", dmepos_views.dmepos_changes, name="dmepos_changes"),
]
