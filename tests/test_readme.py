"""The README stays true about what can be configured."""

import dataclasses
from pathlib import Path

from helpdesk.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_lists_every_setting():
    text = README.read_text()
    missing = [
        f"HELPDESK_{f.name.upper()}"
        for f in dataclasses.fields(Settings)
        if f"HELPDESK_{f.name.upper()}" not in text
    ]
    assert not missing, f"README does not list {missing}"
