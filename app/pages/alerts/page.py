"""研判预警: the open early-warning alerts of the caller's jurisdiction, to acknowledge, assign or
dismiss with a reason.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.alerts import callbacks
from app.pages.alerts.layout import layout

dash.register_page(__name__, path="/alerts", title="研判预警", layout=layout)
callbacks.register()
