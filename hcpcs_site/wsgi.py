import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hcpcs_site.settings")

application = get_wsgi_application()

# Each server process reads the search vocabulary and drug-name table before its first
# request rather than during it (about a second).
from codes.search import warm_up  # noqa: E402

warm_up()
