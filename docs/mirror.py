"""Mirror the archive's API into a folder of JSON files, and keep it in sync.

    python docs/mirror.py https://archive.example.org/api/v1/ ./mirror
    python docs/mirror.py https://archive.example.org/api/v1/ ./mirror --follow 60

Each record the feed names is kept as its detail JSON, one file per record:
``FOLDER/article/trotskys-socialism.json``, ``FOLDER/image/42.json`` (images by id), and
so on for publications, issues, authors and books. The position reached in the change
feed is kept in ``FOLDER/.cursor``: run the script again (or with ``--follow SECONDS``,
which polls) and it applies only what changed since, deletions included. Standard
library only; ``--token`` reads as staff (drafts included) with an API token.

See docs/mirror.md for what the feed guarantees.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


class Mirror:
    def __init__(self, api: str, folder: Path, token: str | None = None):
        self.api = api if api.endswith("/") else api + "/"
        self.folder = folder
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.cursor_file = folder / ".cursor"

    def get(self, url: str) -> dict | None:
        """The JSON at ``url``; None for a 404 (the record went after its event: a later
        event says so). Asked to slow down (429), it waits as long as the server says."""
        request = urllib.request.Request(url, headers=self.headers)
        for _attempt in range(10):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return None
                if error.code != 429:
                    raise
                time.sleep(float(error.headers.get("Retry-After", 1)))
        raise RuntimeError(f"{url}: still throttled after ten tries")

    def path(self, event: dict) -> Path:
        name = event["slug"] if event["slug"] is not None else str(event["id"])
        return self.folder / event["type"] / f"{name}.json"

    def apply(self, event: dict) -> None:
        path = self.path(event)
        data = None if event["action"] == "deleted" else self.get(event["url"])
        if data is None:
            path.unlink(missing_ok=True)
            return
        write_atomically(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))

    def sync(self) -> int:
        """Apply every event since the saved cursor, page by page; how many."""
        self.folder.mkdir(parents=True, exist_ok=True)
        cursor = self.cursor_file.read_text().strip() if self.cursor_file.exists() else ""
        url = self.api + "changes/"
        if cursor:
            url += "?" + urllib.parse.urlencode({"since": cursor})
        applied = 0
        while True:
            page = self.get(url)
            for event in page["results"]:
                self.apply(event)
                applied += 1
            # Saved after the page is applied: interrupted, the next run repeats at most
            # this page, and applying an event twice leaves the same files.
            if page["cursor"]:
                write_atomically(self.cursor_file, page["cursor"])
            if not page["more"]:
                return applied
            url = page["next"]


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` whole: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
    ) as temporary:
        temporary.write(text)
    os.replace(temporary.name, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("api", help="the API root, e.g. https://archive.example.org/api/v1/")
    parser.add_argument("folder", type=Path, help="where to keep the JSON files")
    parser.add_argument("--token", help="an API token: mirror as staff, drafts included")
    parser.add_argument("--follow", type=float, metavar="SECONDS", help="keep polling, this often")
    options = parser.parse_args(argv)
    mirror = Mirror(options.api, options.folder, options.token)
    while True:
        applied = mirror.sync()
        print(f"{applied} changes applied", file=sys.stderr)
        if options.follow is None:
            return 0
        time.sleep(options.follow)


if __name__ == "__main__":
    sys.exit(main())
