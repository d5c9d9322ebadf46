"""What the text indexes of migrations 0008 and 0010 store beside the searched columns, shared
by the migrations (which build them), resolvers/search.py (which queries them) and the bulk
loader (which refills them). Changing these needs a new migration that rebuilds the indexes."""

# Code point ranges of the letters on which SQLite's FTS5 case folding (trigram tokenizer)
# and Python's upper() or re.IGNORECASE disagree, for Python 3.11 and SQLite 3.40; the
# chars whose upper() is several chars among them. Migration 0008 marks rows holding one;
# tests/test_tickets_query_plans.py recomputes the set and fails if it outgrows this one.
UNUSUAL_CASE = (
    (0xDF, 0xDF), (0x130, 0x131), (0x149, 0x149), (0x1F0, 0x1F0), (0x37F, 0x37F),
    (0x390, 0x390), (0x3B0, 0x3B0), (0x528, 0x528), (0x52A, 0x52A), (0x52C, 0x52C),
    (0x52E, 0x52E), (0x587, 0x587), (0x13A0, 0x13F5), (0x1C80, 0x1C88), (0x1C90, 0x1CBA),
    (0x1CBD, 0x1CBF), (0x1E96, 0x1E9A), (0x1F50, 0x1F50), (0x1F52, 0x1F52), (0x1F54, 0x1F54),
    (0x1F56, 0x1F56), (0x1F80, 0x1FAF), (0x1FB2, 0x1FB4), (0x1FB6, 0x1FB7), (0x1FBC, 0x1FBC),
    (0x1FC2, 0x1FC4), (0x1FC6, 0x1FC7), (0x1FCC, 0x1FCC), (0x1FD2, 0x1FD3), (0x1FD6, 0x1FD7),
    (0x1FE2, 0x1FE4), (0x1FE6, 0x1FE7), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FF7), (0x1FFC, 0x1FFC),
    (0x2C2F, 0x2C2F), (0xA698, 0xA698), (0xA69A, 0xA69A), (0xA796, 0xA796), (0xA798, 0xA798),
    (0xA79A, 0xA79A), (0xA79C, 0xA79C), (0xA79E, 0xA79E), (0xA7AB, 0xA7AE), (0xA7B0, 0xA7B4),
    (0xA7B6, 0xA7B6), (0xA7B8, 0xA7B8), (0xA7BA, 0xA7BA), (0xA7BC, 0xA7BC), (0xA7BE, 0xA7BE),
    (0xA7C0, 0xA7C0), (0xA7C2, 0xA7C2), (0xA7C4, 0xA7C7), (0xA7C9, 0xA7C9), (0xA7D0, 0xA7D0),
    (0xA7D6, 0xA7D6), (0xA7D8, 0xA7D8), (0xA7F5, 0xA7F5), (0xFB00, 0xFB06), (0xFB13, 0xFB17),
    (0x104B0, 0x104D3), (0x10570, 0x1057A), (0x1057C, 0x1058A), (0x1058C, 0x10592),
    (0x10594, 0x10595), (0x10C80, 0x10CB2), (0x118A0, 0x118BF), (0x16E40, 0x16E5F),
    (0x1E900, 0x1E921),
)  # fmt: skip
# The same set as a character class: GLOB's `[...]` and re's read ranges alike.
UNUSUAL_CASE_CLASS = "[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in UNUSUAL_CASE) + "]"
# The FTS5 column holding the marker, and the marker.
MARKER_COLUMN = MARKER = "unusual"
# Migration 0010's FTS5 table over the summaries of open tickets only (the grid's default
# view): a common word's rowids there are a few thousand, where tickets_fts has one per
# matching ticket of every status.
OPEN_TICKETS_FTS = "tickets_open_fts"
OPEN_TICKETS = "status < 4"  # the open statuses, as the partial indexes of 0008 name them


def marker_sql(columns: tuple[str, ...], row: str = "") -> str:
    """The marker of a row holding a letter of UNUSUAL_CASE in one of `columns` (of the
    trigger row `row`, "new." or "old."), else NULL: as migration 0008 computes it."""
    unusual = " OR ".join(f"{row}{c} GLOB '*{UNUSUAL_CASE_CLASS}*'" for c in columns)
    return f"CASE WHEN {unusual} THEN '{MARKER}' END"
