"""The repository stands on its own: its documents name only files that exist,
the README's module list and function map name every module of the domain
layer and every function, and nothing points outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python" / "renewal"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md",
             ROOT / "events" / "README.md"]
# A code span that looks like a path: a folder and a name, or a file with an extension we keep.
PATH = re.compile(r"`([A-Za-z0-9_./-]+(?:/[A-Za-z0-9_.-]*|\.(?:py|md|json|yaml|yml|toml|txt|html|js|csv)))`")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def referenced_paths(document: Path) -> list[str]:
    found = []
    for match in PATH.finditer(document.read_text(encoding="utf-8")):
        name = match.group(1).rstrip("/.")
        # Not a path of the repository: URLs, API routes, S3 keys and prefixes, AWS resources, globs, placeholders.
        if name.startswith(("/", "http", "s3", "uploads", "exports/", "documents", "aws", "arn", "text/",
                            "application/", "image/")) \
                or "{" in name or "*" in name:
            continue
        found.append(name)
    return found


TRACKED = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
FOLDERS = {str(Path(f).parent) for f in TRACKED} | {str(p) for f in TRACKED for p in Path(f).parents}


def exists(name: str) -> bool:
    """A tracked file or folder of that path (or ending in it: a document may name
    `pages/index.ts` inside the portal), or a build output the repository ignores."""
    if name in TRACKED or name in FOLDERS or any(f.endswith("/" + name) for f in [*TRACKED, *FOLDERS]):
        return True
    if "/" not in name and name.endswith((".json", ".html", ".csv", ".js")):
        return True  # a file an API or a deploy writes (`config.json`), not one of the repository's
    ignored = [subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
               for path in (name, f"{name}/x")]
    return any(ignored)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_document_names_exists(document):
    time_zones = re.compile(r"^[A-Z][a-z]+/[A-Z][A-Za-z_]+$")  # America/New_York is not a path
    missing = [name for name in referenced_paths(document) if not time_zones.match(name) and not exists(name)]
    assert missing == [], f"{document.relative_to(ROOT)} names files that do not exist: {missing}"


def layer_modules() -> list[str]:
    return sorted(p.stem for p in [*LAYER.glob("*.py"), *(LAYER / "adapters").glob("*.py")]
                  if p.stem != "__init__")


def test_the_readme_lists_every_module_of_the_domain_layer():
    listing = README[README.index("- `layers/shared/python/renewal/`"):README.index("- `local/`")]
    named = set(re.findall(r"`([a-z_]+)`", listing))
    assert [m for m in layer_modules() if m not in named] == []


def test_the_readme_function_map_shows_every_function():
    diagram = README[README.index("```mermaid"):README.index("```", README.index("```mermaid") + 3)]
    functions = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
    assert [f for f in functions if f not in diagram] == []


def test_nothing_in_the_repository_points_outside_it():
    outside = re.compile(r"(DOMAIN|API|ARCHITECTURE)\.md|\.\./shared|shared/(DOMAIN|API|ARCHITECTURE)")
    offenders = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if not path.is_file() or parts[0].startswith(".") or "node_modules" in parts or path.suffix in (
                ".png", ".pdf", ".ico", ".woff", ".woff2"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path != Path(__file__) and outside.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
