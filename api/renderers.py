"""The browsable API, under the site's Content-Security-Policy.

DRF's templates put ``style`` attributes and an inline ``<style>`` (the code highlighting)
in the page, so its pages alone allow inline styles. Scripts stay as strict as everywhere
else: DRF's pages run only their own static files.
"""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            # Read by django-csp's middleware: added to the site's policy for this answer.
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
