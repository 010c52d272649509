"""The app's full screens: start (choose and preview), preparing, main (run) and watch.

The modal dialogs are in tui/dialogs/; what feeds the screens and how things look are in tui/.
"""
