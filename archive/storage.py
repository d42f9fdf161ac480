"""Local media storage that never leaves a truncated file behind."""

import os

from django.core.files.storage import FileSystemStorage


class MediaStorage(FileSystemStorage):
    """Django's file system storage, except that a save failing part-way (a full or
    read-only disk) removes what it had written before the error goes on: a half-written
    picture would otherwise stay in media, named like a whole one."""

    def _save(self, name, content):
        path = self.path(name)
        # save() has just chosen a free name, so a file there after a failure is ours.
        existed = os.path.lexists(path)
        try:
            return super()._save(name, content)
        except OSError:
            if not existed and os.path.lexists(path):
                os.remove(path)
            raise
