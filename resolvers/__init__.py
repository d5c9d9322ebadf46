"""The behaviour: one module per domain, plain async functions. Nothing here knows GraphQL."""

# This folder is the package helpdesk.resolvers (helpdesk/resolvers links here); imported as a
# top-level `resolvers` it would be a second copy whose classes and errors are different objects.
if __name__ != "helpdesk.resolvers":
    raise ImportError(f"import helpdesk.resolvers, not {__name__}")
