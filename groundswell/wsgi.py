import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings.production")
application = get_wsgi_application()

if getattr(settings, "PHONEBANK_LEAN_API", True):
    # Imported once the apps are loaded (above): the phonebank's hot pair served beside Django.
    from groundswell.core.fastpath import LeanCallerAPI  # noqa: PLC0415

    application = LeanCallerAPI(application)
