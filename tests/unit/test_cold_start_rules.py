"""What keeps the functions' cold start down (docs/scaling.md, "Cold start"),
checked in the source so that a change cannot quietly undo it."""

from __future__ import annotations

import ast
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "renewal"
MODEL_BASES = {"Model", "BaseModel", "RootModel"}


def _defines_models(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ClassDef)
               and any(ast.unparse(base).split(".")[-1].split("[")[0] in MODEL_BASES for base in node.bases)
               for node in ast.walk(tree))


def test_modules_that_define_models_keep_their_annotations_as_objects() -> None:
    # With `from __future__ import annotations`, pydantic compiles each field's type from text (renewal/model.py).
    stringified = []
    for path in sorted(LAYER.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        future = any(isinstance(node, ast.ImportFrom) and node.module == "__future__"
                     and any(alias.name == "annotations" for alias in node.names) for node in tree.body)
        if future and _defines_models(tree):
            stringified.append(path.name)
    assert stringified == []


def test_the_rule_sees_a_model_module() -> None:
    assert _defines_models(ast.parse((LAYER / "members.py").read_text()))
    assert not _defines_models(ast.parse((LAYER / "keys.py").read_text()))
