"""The app's widgets: each one job, each with its own .tcss beside it."""
