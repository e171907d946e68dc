"""用户管理: the administrator lists, adds, disables or enables users and resets passwords.

Only this module of the package registers a Dash page (see app/pages/map/page.py)."""

import dash

from app.pages.users import callbacks
from app.pages.users.layout import layout

dash.register_page(__name__, path="/admin/users", title="用户管理", layout=layout)
callbacks.register()
