"""微治理 panel: grid workers, building and unit chiefs, party branches and groups, 业委会/物管会,
property fees, 金牌调解室 and 小事不出楼栋 per area and compound.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.governance import callbacks
from app.pages.governance.layout import layout

dash.register_page(__name__, path="/governance", title="微治理", layout=layout)
callbacks.register()
