"""The export of the seed plus the sample pages, pinned byte for byte.

The documents in ``tests/data/golden-export`` were written by ``export_archive`` before
the importer was split into loader, runner and export; any change to what an export
holds, or to how it is laid out, shows up here as a diff.
"""

from pathlib import Path

from django.core.management import call_command

GOLDEN = Path(__file__).resolve().parent.parent / "data/golden-export"


def documents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_the_archive_exports_to_the_committed_golden_documents(archive, tmp_path):
    call_command("export_archive", "--output", str(tmp_path), verbosity=0)
    assert documents(tmp_path) == documents(GOLDEN)
