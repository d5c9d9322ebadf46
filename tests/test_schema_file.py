from pathlib import Path

from helpdesk.api import build_schema
from helpdesk.settings import Settings

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_graphql_matches_the_schema():
    committed = SCHEMA_FILE.read_text()
    current = build_schema(Settings()).as_str()
    assert committed.strip() == current.strip(), (
        "schema.graphql is stale. Regenerate it from the repository root with:\n"
        "    helpdesk schema > schema.graphql"
    )
