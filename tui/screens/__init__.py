"""The app's screens: start (choose and preview), main (run or watch), and the dialogs."""
