"""The command palette (ctrl+p): the main screen's actions by name, for those who forget a key."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

ACTIONS = (
    ("Pause or go on", "toggle_pause", "space: hold before the next command; the running one finishes"),
    ("Skip a step", "skip", "s: mark the selected (or running) step skipped, with a reason"),
    ("Retry the failed step", "retry", "r: run it again from its failed command"),
    ("Go on without waiting", "override", "o: stop waiting for apps to settle (recorded)"),
    ("Answer the pending question", "decide", "d: open the decision the run waits on"),
    ("Abort the run", "abort", "a: kill the running command's process group; asks first"),
    ("Kill the running command", "kill", "k: stop only this command's process group; asks first"),
    ("Add a note to the current step", "note", "c: journaled and exported with the record"),
    ("Export the record (snapshot)", "export", "e: write snapshot.txt into the session directory"),
    ("Search the output", "search", "/: find text in the output pane; n / N next and previous"),
    ("Follow the running step", "follow", "l: back to the live output"),
    ("Wrap long output lines", "wrap", "w: wrap / scroll sideways"),
    ("Zoom the output pane", "zoom", "z: the output takes the whole screen; z again comes back"),
    ("Help: keys and states", "help", "?"),
    ("Quit (the running command keeps running)", "quit", "q: `cairn resume ID` continues"),
)


class CairnCommands(Provider):
    def _available(self):
        screen = self.screen
        for title, action, help_text in ACTIONS:
            if screen.check_action(action, ()) is False:
                continue
            yield title, partial(screen.run_action, action), help_text

    async def discover(self) -> Hits:
        for title, command, help_text in self._available():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._available():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)
