"""巡查任务: a grid worker's list for the day on a phone; the desk's view of its jurisdiction.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.tasks import callbacks
from app.pages.tasks.layout import layout

dash.register_page(__name__, path="/tasks", title="巡查任务", layout=layout)
callbacks.register()
