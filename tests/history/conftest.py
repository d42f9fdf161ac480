# The admin's browser fixtures (Debian's Chromium, a signed-in superuser), shared.
from tests.test_admin_browser import browser_page, logged_in_page  # noqa: F401
