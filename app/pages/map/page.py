"""研判地图: the drill-down situational map (city → district → township → community → grid).

The URL is the state: every control writes the query string, and every layer reads it, so a
copied link reopens the same picture and the browser's back button steps back through views.

Only this module of the package registers a Dash page: Dash imports every file under
``app/pages`` whose text contains the name of its page-registering function, so ``layout.py`` and
``callbacks.py`` must not mention it. Dash runs this module again for each app it sets up;
``callbacks.register()`` declares the callbacks again for that app.
"""

import dash

from app.pages.map import callbacks
from app.pages.map.layout import layout

dash.register_page(__name__, path="/", title="矛盾纠纷态势图", layout=layout)
callbacks.register()
