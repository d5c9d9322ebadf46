"""The one module that knows strawberry's graphql-transport-ws internals.

The live layer subclasses strawberry's protocol handler and drives its operations itself
(shared executions, a context per operation). What that leans on, beyond strawberry's
public API, is named here and nowhere else: the handler base class, `Operation`, the private
`_OperationStreamClosed` and `_send_result_stream`, and the result types of
`schema.stream`. tests/test_live_adapter.py pins each behaviour relied on, so an upgrade of
strawberry (pinned exactly) that changes one fails there, and is fixed here."""

import contextlib

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    Operation as StrawberryOperation,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from helpdesk.schema.context import Context

Operation = StrawberryOperation[Context, None]

__all__ = [
    "Operation",
    "TransportHandler",
    "initial_errors",
    "next_payload",
    "send_complete",
    "send_errors",
]


class TransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler, plus `run_once`."""

    @property
    def socket_context(self) -> Context:
        """The socket's context: the view's get_context made it, connection_init filled it."""
        return self.context

    async def run_once(self, operation: Operation, context: Context) -> None:
        """A query or mutation, run as strawberry's own `run_operation` runs it (results as
        `next`, pre-execution errors as `error`, a syntax error closes the socket), but in
        the given context instead of the socket's."""
        try:
            source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
            )
            async with contextlib.aclosing(source):
                await self._send_result_stream(operation, source)
            await send_complete(operation)
        except _OperationStreamClosed:  # strawberry closed the socket instead
            return
        except Exception as error:
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await send_complete(operation)
            raise


def initial_errors(result: object) -> list[GraphQLError] | None:
    """The errors of a result that failed before execution began (parsing, validation, our
    document checks), or None for an execution result."""
    if isinstance(result, PreExecutionError):
        return list(result.errors or ())
    return None


def next_payload(result: object) -> dict | None:
    """The payload of a `next` message for an execution result, as strawberry writes it;
    None for anything else (incremental delivery, which the protocol cannot carry)."""
    if isinstance(result, PreExecutionError) or not isinstance(result, ExecutionResult):
        return None
    payload: dict = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return payload


async def send_errors(operation: Operation, errors: list[GraphQLError]) -> None:
    """Ends the operation with an `error` message (no more messages follow for it)."""
    await operation.send_initial_errors(errors)


async def send_complete(operation: Operation) -> None:
    """Ends the operation with a `complete` message (no more messages follow for it)."""
    await operation.send_operation_message({"id": operation.id, "type": "complete"})
