"""The GraphQL surface: types, inputs and root fields. Thin: it maps to resolvers.

The subscription root type sits a layer above (subscriptions/), so `build` takes it as an
argument; `helpdesk.api.build_schema` joins the two."""

# This folder is the package helpdesk.schema (helpdesk/schema links here); imported as a
# top-level `schema` it would be a second copy whose classes and errors are different objects.
if __name__ != "helpdesk.schema":
    raise ImportError(f"import helpdesk.schema, not {__name__}")

import strawberry
from graphql import GraphQLObjectType
from strawberry import relay
from strawberry.relay.utils import to_base64
from strawberry.tools import merge_types

from helpdesk.schema import execution
from helpdesk.schema.accounts import AccountMutations, AccountQueries
from helpdesk.schema.attachments import AttachmentMutations
from helpdesk.schema.catalog import CatalogMutations, CatalogQueries
from helpdesk.schema.chats import ChatMutations, ChatQueries
from helpdesk.schema.comments import CommentMutations
from helpdesk.schema.contacts import ContactMutations, ContactQueries
from helpdesk.schema.documents import document_checks
from helpdesk.schema.errors import DomainErrors
from helpdesk.schema.log_events import LogEventMutations, LogEventQueries
from helpdesk.schema.operation_log import LoggedSchema, OperationLog
from helpdesk.schema.organizations import OrganizationMutations, OrganizationQueries
from helpdesk.schema.presence import PresenceMutations
from helpdesk.schema.ticket_mutations import TicketMutations
from helpdesk.schema.tickets import TicketQueries
from helpdesk.settings import Settings


def _query_type() -> type:
    # relay.node() fields are bound to the schema that first uses them, so each schema
    # gets its own (tests build several).
    @strawberry.type
    class NodeQueries:
        node: relay.Node = relay.node(description="Any object by its global ID.")
        nodes: list[relay.Node | None] = relay.node(
            description="Objects by global IDs; null where you may not see one."
        )

    return merge_types(
        "Query",
        (
            AccountQueries,
            NodeQueries,
            TicketQueries,
            OrganizationQueries,
            ContactQueries,
            CatalogQueries,
            ChatQueries,
            LogEventQueries,
        ),
    )


Mutation = merge_types(
    "Mutation",
    (
        AccountMutations,
        TicketMutations,
        CommentMutations,
        AttachmentMutations,
        ChatMutations,
        OrganizationMutations,
        ContactMutations,
        CatalogMutations,
        LogEventMutations,
        PresenceMutations,
    ),
)


def build(settings: Settings, *, subscription: type | None) -> strawberry.Schema:
    # Size, depth, aliases and cost, then validation (cached for small documents), all
    # before any resolver runs.
    extensions: list = [document_checks(settings)]
    # Codes for domain errors; in production, unexpected ones masked.
    extensions.append(lambda: DomainErrors(production=settings.production))
    built = LoggedSchema(
        query=_query_type(),
        mutation=Mutation,
        subscription=subscription,
        # First, so it sees each operation whole: its duration and its final error codes.
        extensions=[OperationLog, *extensions],
    )
    plain_node_ids(built)
    built.execution_context_class = type(
        "PlainFields",
        (execution.PlainFieldsExecutionContext,),
        {"plain": execution.plain_fields(built._schema), "plans": {}},
    )
    return built


def plain_node_ids(schema: strawberry.Schema) -> None:
    """Each Node type's `id` answered by a plain function of the row: the same global ID
    strawberry's own resolver makes (base64 of "Type:id"), without the Info object, the
    argument parsing and the GlobalID object it builds for each of them (a grid page has
    about 250 ids). Types that resolve their id or type name their own way keep strawberry's."""
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or "id" not in graphql_type.fields:
            continue
        definition = schema.get_type_by_name(graphql_type.name)
        origin = getattr(definition, "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, relay.Node)):
            continue
        if (
            origin.resolve_id.__func__ is not relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
            or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
        ):
            continue
        graphql_type.fields["id"].resolve = _global_id(graphql_type.name, origin.resolve_id_attr())


def _global_id(type_name: str, attr: str):
    def resolve(root, info) -> str:
        return to_base64(type_name, getattr(root, attr))

    def plain(root, _context) -> str:
        return to_base64(type_name, getattr(root, attr))

    setattr(resolve, execution.PLAIN, plain)
    return resolve
