"""吹哨 → 应哨 → 评价 → 评估: raise from the catalogue, answer, rate, and assess the departments.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.whistles import callbacks
from app.pages.whistles.layout import layout

dash.register_page(__name__, path="/whistles", title="吹哨报到", layout=layout)
callbacks.register()
