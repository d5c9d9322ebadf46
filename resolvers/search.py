"""Text matching for the grid's search boxes: `*` is a wildcard (seed 003), otherwise the
text may appear anywhere. Case-insensitive."""

from tortoise.expressions import Q


def wildcard_filter(field: str, pattern: str) -> Q:
    pattern = pattern.strip()
    if "*" not in pattern:
        return Q(**{f"{field}__icontains": pattern})
    parts = pattern.split("*")
    # Anchored at each end unless the pattern starts or ends with `*`.
    q = Q()
    if parts[0]:
        q &= Q(**{f"{field}__istartswith": parts[0]})
    if parts[-1]:
        q &= Q(**{f"{field}__iendswith": parts[-1]})
    for middle in parts[1:-1]:
        if middle:
            q &= Q(**{f"{field}__icontains": middle})
    return q
