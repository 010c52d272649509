"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its keys on every "bindings changed" signal, and a screen sends one
for each focus move and each binding refresh: three while the start screen first draws, of which
two show the same keys again (a fifth of the time after the first frame). This one rebuilds when
what it would show differs.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer


class SteadyFooter(Footer):
    _shown: Any = None

    def _keys(self) -> Any:
        """Everything Footer.compose reads, as a comparable value."""
        bindings = tuple(
            (
                binding.key,
                binding.action,
                binding.description,
                binding.show,
                repr(binding.group),
                self.app.get_key_display(binding),
                enabled,
                tooltip,
                binding.tooltip,
            )
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
        )
        return (
            self._bindings_ready,
            self.compact,
            self.show_command_palette,
            self.app.ENABLE_COMMAND_PALETTE,
            self.app.COMMAND_PALETTE_BINDING,
            bindings,
        )

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        yield from super().compose()

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await super().recompose()
