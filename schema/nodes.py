from collections.abc import Callable, Iterable

import strawberry

from helpdesk.resolvers.errors import ErrorCode, NotFound, invalid
from helpdesk.resolvers.viewer import require_viewer
from helpdesk.schema.context import loaders_of, viewer_of
from helpdesk.schema.ids import row_id


async def nodes_of(
    info: strawberry.Info, loader_name: str, node_ids: Iterable[str], convert: Callable, required
):
    """`resolve_nodes` for every Node type: loads through the viewer's scoped loader, so an
    object the viewer may not see is "not found" (`node`) or null (`nodes`)."""
    require_viewer(viewer_of(info))
    node_ids = list(node_ids)
    limit = info.context.settings.max_page_size
    if len(node_ids) > limit:
        raise invalid("ids", ErrorCode.TOO_MANY, f"at most {limit} IDs of one type at once")
    loader = getattr(loaders_of(info), loader_name)
    keys = [row_id(i, big=loader_name == "log_event") for i in node_ids]
    valid = [k for k in keys if k is not None]
    rows = dict(zip(valid, await loader.load_many(valid), strict=True))
    results = [convert(rows[k]) if k is not None and rows.get(k) else None for k in keys]
    if required and None in results:
        raise NotFound("no object with that ID")
    return results
