"""The code version hashes exactly the model's modules: every module a run imports is listed."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from sim.provenance import MODEL_MODULES, NOT_HASHED, ROOT, source_hash


def _imports(module: str) -> set[str]:
    """Modules of sim/ and agents/ that `module` imports (any depth in its file)."""
    tree = ast.parse((ROOT / f"{module.replace('.', '/')}.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {
        n
        for n in names
        if n.split(".")[0] in ("sim", "agents") and (ROOT / f"{n.replace('.', '/')}.py").exists()
    }


def test_hashed_and_unhashed_modules_are_exactly_what_a_run_imports():
    seen: set[str] = set()
    todo = ["sim.model"]  # what a run imports: the model, and through it sim.run
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_imports(module))
    assert not set(MODEL_MODULES) & set(NOT_HASHED)
    assert sorted(set(MODEL_MODULES) | set(NOT_HASHED)) == sorted(seen)
    assert not any(m.startswith("scripts") for m in MODEL_MODULES)


def test_source_hash_changes_with_a_model_module_only(tmp_path: Path):
    for module in (*MODEL_MODULES, *NOT_HASHED):
        path = tmp_path / f"{module.replace('.', '/')}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / f"{module.replace('.', '/')}.py", path)
    before = source_hash(root=tmp_path)
    assert before == source_hash()  # the copy hashes like the checkout
    inputs = tmp_path / "sim" / "inputs.py"
    inputs.write_text(inputs.read_text() + "\n# a reworded message\n")
    assert source_hash(root=tmp_path) == before
    model = tmp_path / "sim" / "model.py"
    model.write_text(model.read_text() + "\n# a changed rule\n")
    assert source_hash(root=tmp_path) != before
