"""Infrastructure below the resolvers: the bus that hints "new log events are committed".

Resolvers publish a hint after commit; the tailer in `subscriptions/` waits for one."""
