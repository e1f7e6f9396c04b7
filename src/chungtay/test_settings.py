"""Settings for the test suite: the real settings, with fast password hashing and tasks run inline."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("CHUNGTAY_TESTING", "1")

from chungtay.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# One process per test worker: the cache stays in memory (the shared database cache is tested on its own).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "figures": CACHES["figures"],  # noqa: F405
}
DATABASES.pop("cache", None)  # noqa: F405
DATABASE_ROUTERS = []
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Uploaded files go to a throw-away folder per test process, through the real private storage.
PRIVATE_FILES_ROOT = MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="chungtay-files-"))
atexit.register(shutil.rmtree, PRIVATE_FILES_ROOT, True)
STORAGES = {
    "default": {"BACKEND": "chungtay.core.files.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None  # type: ignore[assignment]  # tests serve static files through the finders; no collectstatic output
