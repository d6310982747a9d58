from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from codes import discovery
from codes.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("sitemap.xml", discovery.sitemap_index, name="sitemap_index"),
    path("sitemap-<slug:section>.xml", discovery.sitemap_section, name="sitemap_section"),
    path("robots.txt", discovery.robots_txt, name="robots_txt"),
    path("opensearch.xml", discovery.opensearch_xml, name="opensearch"),
    path("", include("codes.urls")),
]
