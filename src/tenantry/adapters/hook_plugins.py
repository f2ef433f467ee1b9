"""Hook plugins the operator installs: Python callables registered under the ``tenantry.hooks`` entry points.

A plugin is found by its entry-point name when a hook names it; loaded plugins are remembered for
the life of the process, names not found are looked up again (a package installed later is seen).
"""

from __future__ import annotations

from importlib.metadata import entry_points

from tenantry.ports.hooks import PLUGIN_GROUP, HookPlugin


class EntryPointPlugins:
    def __init__(self, group: str = PLUGIN_GROUP):
        self.group = group
        self._loaded: dict[str, HookPlugin] = {}

    def get(self, name: str) -> HookPlugin | None:
        if name in self._loaded:
            return self._loaded[name]
        for entry in entry_points(group=self.group):
            if entry.name == name:
                try:
                    plugin: HookPlugin = entry.load()
                except Exception:  # a broken plugin package is a missing plugin: its hooks fail as configured
                    return None
                if not callable(plugin):
                    return None
                self._loaded[name] = plugin
                return plugin
        return None

    def names(self) -> list[str]:
        return sorted({entry.name for entry in entry_points(group=self.group)})
