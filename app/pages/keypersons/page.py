"""重点人员: key persons of the caller's jurisdiction with their dynamic risk, why, the advice, and
the cases bound to them.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.keypersons import callbacks
from app.pages.keypersons.layout import layout

dash.register_page(__name__, path="/key-persons", title="重点人员", layout=layout)
callbacks.register()
