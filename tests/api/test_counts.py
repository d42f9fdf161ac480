"""Counts over time for any query: ``articles/counts/?by=…``."""


def test_smoke(api, seed, editor_api, unpublished):
    for by in ("year", "month", "issue", "author", "topic"):
        r = api.get("/api/v1/articles/counts/", {"by": by})
        print(by, r.status_code, r.json())
        r = editor_api.get("/api/v1/articles/counts/", {"by": by, "q": "trotsky"})
        print(by, r.status_code, r.json())
    print(api.get("/api/v1/articles/counts/").json())
    print(api.get("/api/v1/articles/counts/", {"by": "x", "year": "x"}).json())
    print(api.get("/api/v1/articles/counts/", {"by": "year", "year": "x"}).json())
    assert 0
