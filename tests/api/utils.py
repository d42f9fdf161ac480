def slugs(response):
    """The slugs of a list response's results, in order."""
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]
