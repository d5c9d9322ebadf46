from datetime import datetime

import strawberry
from strawberry import relay

from helpdesk import models
from helpdesk.resolvers import accounts, contacts
from helpdesk.resolvers.errors import NotFound
from helpdesk.schema.contacts import Contact
from helpdesk.schema.context import act_as, client_address, viewer_of
from helpdesk.schema.errors import UserError, attempt
from helpdesk.schema.ids import decode_id

# Our enums, registered as GraphQL enums: strawberry.enum returns the same class.
TokenKind = models.TokenKind
strawberry.enum(models.TokenKind, name="ApiTokenKind")


@strawberry.type(description="A bearer token. Its secret is shown only when it is created.")
class ApiToken(relay.Node):
    id: relay.NodeID[int]
    name: str
    kind: TokenKind
    created_at: datetime
    expires_at: datetime | None

    @classmethod
    def from_model(cls, m: models.ApiToken) -> "ApiToken":
        return cls(
            id=m.id, name=m.name, kind=m.kind, created_at=m.created_at, expires_at=m.expires_at
        )

    @classmethod
    async def resolve_nodes(cls, *, info, node_ids, required=False):
        # Tokens are not looked up by node: list your own through `apiTokens`. So `node`
        # finds none, like any object you may not see, and `nodes` gives nulls.
        if required:
            raise NotFound("no object with that ID")
        return [None for _ in node_ids]


@strawberry.type
class AccountQueries:
    @strawberry.field(description="You: the contact your bearer token stands for.")
    async def viewer(self, info: strawberry.Info) -> Contact | None:
        viewer = viewer_of(info)
        if viewer is None:
            return None
        return Contact.from_model(await contacts.get(viewer, viewer.contact_id))

    @strawberry.field(description="Your API tokens that are still valid.")
    async def api_tokens(self, info: strawberry.Info) -> list[ApiToken]:
        return [ApiToken.from_model(t) for t in await accounts.tokens(viewer_of(info))]


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.type
class LoginPayload:
    token: str | None = strawberry.field(description="Send as Authorization: Bearer <token>.")
    viewer: Contact | None
    errors: list[UserError]


@strawberry.type
class LogoutPayload:
    errors: list[UserError]


@strawberry.input
class CreateApiTokenInput:
    name: str


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiToken | None
    secret: str | None = strawberry.field(description="Shown this once; store it now.")
    errors: list[UserError]


@strawberry.input
class RevokeApiTokenInput:
    token_id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None
    errors: list[UserError]


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.type
class ChangePasswordPayload:
    errors: list[UserError]


@strawberry.type
class AccountMutations:
    @strawberry.mutation(description="Sign in with e-mail and password; returns a session token.")
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        result, errors = await attempt(
            lambda: accounts.login(
                input.email,
                input.password,
                throttle=info.context.logins,
                address=client_address(info),
            )
        )
        if result is None:
            return LoginPayload(token=None, viewer=None, errors=errors)
        secret, contact = result
        # The payload's nested fields read as the person just signed in; the rest of the
        # operation (and a websocket's later ones) as whoever sent it.
        act_as(info, await accounts.load_viewer(contact))
        return LoginPayload(token=secret, viewer=Contact.from_model(contact), errors=[])

    @strawberry.mutation(description="End the session: the token you sent stops working.")
    async def logout(self, info: strawberry.Info) -> LogoutPayload:
        _, errors = await attempt(lambda: accounts.logout(viewer_of(info)))
        return LogoutPayload(errors=errors)

    @strawberry.mutation(description="A long-lived token for scripts and integrations.")
    async def create_api_token(
        self, info: strawberry.Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        result, errors = await attempt(
            lambda: accounts.create_api_token(viewer_of(info), input.name)
        )
        if result is None:
            return CreateApiTokenPayload(api_token=None, secret=None, errors=errors)
        token, secret = result
        return CreateApiTokenPayload(api_token=ApiToken.from_model(token), secret=secret, errors=[])

    @strawberry.mutation(description="Revoke one of your tokens (admins: anyone's).")
    async def revoke_api_token(
        self, info: strawberry.Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        result, errors = await attempt(
            lambda: accounts.revoke_token(
                viewer_of(info), decode_id(input.token_id, "ApiToken", "tokenId")
            )
        )
        return RevokeApiTokenPayload(
            api_token=ApiToken.from_model(result) if result else None, errors=errors
        )

    @strawberry.mutation
    async def change_password(
        self, info: strawberry.Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        _, errors = await attempt(
            lambda: accounts.change_password(
                viewer_of(info),
                input.current_password,
                input.new_password,
                throttle=info.context.logins,
                address=client_address(info),
            )
        )
        return ChangePasswordPayload(errors=errors)
