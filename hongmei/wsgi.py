import os

from django.core.wsgi import get_wsgi_application

from hongmei.startup import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongmei.settings")
application = get_wsgi_application()
require_secret_key()
