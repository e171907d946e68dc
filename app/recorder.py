"""Callbacks recorded by a page package and declared to Dash when its page module is imported.

Dash moves the callbacks declared so far into the app it is setting up, so a second app built in
the same process (tests, a second worker) needs them declared again: each page's ``page.py``
calls ``register()`` every time Dash imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash


class Recorder:
    """``callback`` / ``clientside_callback`` like Dash's, kept until ``register``."""

    def __init__(self) -> None:
        self._server: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []
        self._client: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []

    def callback(self, *dependencies: Any, **options: Any) -> Callable[[Callable], Callable]:
        def record(fn: Callable) -> Callable:
            self._server.append((dependencies, options, fn))
            return fn

        return record

    def clientside_callback(self, function: Any, *dependencies: Any, **options: Any) -> None:
        self._client.append((function, dependencies, options))

    def register(self) -> None:
        for dependencies, options, fn in self._server:
            dash.callback(*dependencies, **options)(fn)
        for function, dependencies, options in self._client:
            dash.clientside_callback(function, *dependencies, **options)
