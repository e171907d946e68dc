"""集中诉求: concentrated demands found in an area's hotline and petition text.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.demands import callbacks
from app.pages.demands.layout import layout

dash.register_page(__name__, path="/demands", title="集中诉求", layout=layout)
callbacks.register()
