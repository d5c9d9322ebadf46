"""The committed build in helpdesk/web_dist/ is the build of the sources in web/: its
source-hash.txt (written by `npm run build`) names the hash of the sources it came from."""

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = ROOT / "helpdesk" / "web_dist"


def source_hash() -> str:
    """The same rule as web/build.mjs."""
    paths = sorted(
        path.relative_to(WEB).as_posix()
        for path in WEB.rglob("*")
        if path.is_file()
        and "node_modules" not in path.relative_to(WEB).parts
        and not any(part.startswith(".") for part in path.relative_to(WEB).parts)
    )
    whole = hashlib.sha256()
    for path in paths:
        digest = hashlib.sha256((WEB / path).read_bytes()).hexdigest()
        whole.update(f"{path}\0{digest}\n".encode())
    return whole.hexdigest()


def test_the_committed_build_matches_the_sources():
    built_from = (DIST / "source-hash.txt").read_text().strip()
    assert built_from == source_hash(), (
        "helpdesk/web_dist/ was built from other sources than web/ holds:"
        " run `npm ci && npm run build` in web/ and commit helpdesk/web_dist/"
    )


def test_the_build_holds_both_pages_and_their_assets():
    for page in ("index.html", "graphiql.html"):
        html = (DIST / page).read_text()
        for asset in html.split('"/static/assets/')[1:]:
            assert (DIST / "assets" / asset.split('"')[0]).is_file(), f"{page}: {asset[:60]}"
        assert "/static/assets/" in html
