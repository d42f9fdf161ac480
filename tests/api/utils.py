def slugs(response):
    """The slugs of a list response's results, in order; a list that fits on one page
    must also count exactly its results."""
    assert response.status_code == 200, response.content
    body = response.json()
    if body["count"] is not None and body["next"] is None and body["previous"] is None:
        assert body["count"] == len(body["results"]), body
    return [item["slug"] for item in body["results"]]
