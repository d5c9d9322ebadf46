"""Live delivery, above the schema: subscription fields, shared executions (hubs), the
websocket handler and the tailer that feeds them."""

# This folder is the package helpdesk.subscriptions (helpdesk/subscriptions links here);
# imported as a top-level `subscriptions` it would be a second copy whose classes and errors
# are different objects.
if __name__ != "helpdesk.subscriptions":
    raise ImportError(f"import helpdesk.subscriptions, not {__name__}")
