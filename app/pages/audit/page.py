"""审计日志: the administrator searches the audit trail and exports a search as CSV.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.audit import callbacks
from app.pages.audit.layout import layout

dash.register_page(__name__, path="/audit", title="审计日志", layout=layout)
callbacks.register()
