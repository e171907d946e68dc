"""大屏: the command centre's wall display — unattended for days, updated in place.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.wall import callbacks
from app.pages.wall.layout import layout

dash.register_page(__name__, path="/wall", title="综治中心态势大屏", layout=layout)
callbacks.register()
