"""Infrastructure below the resolvers: the bus that hints "new log events are committed",
and carries ephemeral signals (presence, typing) to every server process.

Resolvers publish a hint after commit; the tailer in `subscriptions/` waits for one."""
