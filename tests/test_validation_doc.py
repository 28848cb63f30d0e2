"""docs/validation.md is current: its stamp and its targets table match the repository."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location(
        "validation_report", ROOT / "scripts" / "validation_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validation_doc_is_current():
    script = _script()
    doc = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert script.stamp_line() in doc, (
        "docs/validation.md is stale: the model, the targets or the calibration code changed; "
        "run .venv/bin/python scripts/validation_report.py"
    )
    assert "\n".join(script.targets_table()) in doc  # regenerated from calibration/targets.csv
    for section in ("Calibration targets", "Analytic cohort checks", "Hindcast", "Sensitivity"):
        assert f"## {section}\n" in doc
    for line in doc.splitlines():
        if line.startswith("![") and line.endswith(".png)"):
            assert (ROOT / "docs" / line.split("(")[1][:-1]).stat().st_size > 0, line


def test_the_stamp_moves_with_the_targets(tmp_path, monkeypatch):
    import shutil

    script = _script()
    before = script.stamp()
    for pattern in script.STAMPED:
        for f in ROOT.glob(pattern):
            dest = tmp_path / f.relative_to(ROOT)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dest)
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.stamp() == before  # the same inputs give the same stamp
    targets = tmp_path / "calibration" / "targets.csv"
    targets.write_text(targets.read_text().replace("0.80,0.05", "0.80,0.04"))
    assert script.stamp() != before
