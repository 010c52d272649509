"""The app's modal dialogs: a decision, a confirmation, a reason, help, the summary."""
