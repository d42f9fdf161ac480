"""Import a folder in this process and print the time taken and the peak memory.

Run by the benchmark as a child process, so that the peak RSS is the import's own:
``python -m tests.benchmarks.import_run FOLDER JOBS`` prints one JSON object. JOBS
``auto`` imports as ``import_archive`` does when not given ``--jobs``.
"""

import json
import os
import resource
import sys
import time

import django


def main(folder: str, jobs: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.settings")
    django.setup()
    from pathlib import Path

    from django.core.management import call_command

    from articles.importing.runner import find_files, import_plan

    given = None if jobs == "auto" else int(jobs)
    files, _ = find_files(paths=[Path(folder)])
    workers, batch = import_plan(len(files), jobs=given)
    started = time.perf_counter()
    call_command("import_archive", folder, jobs=given, quiet=True)
    seconds = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux; the workers' peak is in RUSAGE_CHILDREN.
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        json.dumps(
            {"seconds": seconds, "peak_rss_mib": peak / 1024, "jobs": workers, "batch": batch}
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
