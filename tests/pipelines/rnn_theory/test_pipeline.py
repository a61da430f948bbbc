"""The rnn_theory pipeline writes its verified report, and the committed copy is current."""

import json

from tests.conftest import PROJECT_ROOT, latest, run_pipeline


def test_report_is_generated_and_matches_the_committed_copy(project_copy):
    run_pipeline(project_copy, "rnn_theory", env="base")
    report = latest(project_copy, "data/08_reporting/rnn_theory_report.md").read_text(encoding="utf-8")
    for answer in ("12,352", "37,056", "49,408", "98,816", "12,416", "37,248", "49,664", "99,328"):
        assert f"**{answer}**" in report
    assert "| Image captioning | one-to-many |" in report
    assert "## 5. CAM-RNN" in report and "Frame-level attention has nothing to choose between" in report
    counts = json.loads(latest(project_copy, "data/08_reporting/rnn_theory_parameter_counts.json").read_text())
    assert all(row["pytorch"]["total"] == row["torch_module_count"] for row in counts)
    clipping = json.loads(latest(project_copy, "data/08_reporting/rnn_theory_clipping.json").read_text())
    assert clipping["cases"]["adversarial"]["value"]["cosine"] < 0.5
    for plot in ("rnn_theory_gradients", "rnn_theory_clipping"):
        assert latest(project_copy, f"data/08_reporting/{plot}.png").stat().st_size > 10_000
    assert report == (PROJECT_ROOT / "docs" / "rnn_theory_report.md").read_text(encoding="utf-8"), (
        "docs/rnn_theory_report.md is stale: copy the new report there"
    )
