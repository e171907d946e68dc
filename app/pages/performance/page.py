"""部门绩效: department performance and mediation, per period and jurisdiction (/performance).

Only this module of the package registers a Dash page (see ``app/pages/map/page.py``: Dash
imports every file under ``app/pages`` whose text names the page-registering function).
"""

import dash

from app.pages.performance import callbacks
from app.pages.performance.layout import layout

dash.register_page(__name__, path="/performance", title="部门绩效", layout=layout)
callbacks.register()
