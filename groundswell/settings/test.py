import atexit
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

# Each test process keeps its audit checkpoints in a scratch file (emptied after every test by the root
# conftest), never in the repo's var/; nothing is sent anywhere.
_CHECKPOINT_DIR = tempfile.mkdtemp(prefix="gs-audit-checkpoints-")
atexit.register(shutil.rmtree, _CHECKPOINT_DIR, True)
AUDIT_CHECKPOINT_FILE = str(Path(_CHECKPOINT_DIR) / "audit-checkpoints.jsonl")
AUDIT_CHECKPOINT_SINK = ""
MEDIA_ROOT = Path(_CHECKPOINT_DIR) / "media"  # uploads stay in memory (STORAGES); backups find no stray files

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Tests count lockouts and rate limits in-process whatever REDIS_URL the shell has.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
