"""调度台: the dispatch desk — queue, map of open cases, the case drawer and its actions.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.dispatch import callbacks
from app.pages.dispatch.layout import layout

dash.register_page(__name__, path="/dispatch", title="调度台", layout=layout)
callbacks.register()
