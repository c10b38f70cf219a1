"""The rehearsal report as a team sees it: opened in a real headless chromium, every plot
rendered (a non-empty image), no console error, a screenshot taken."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from headless_chromium import look_at

ROOT = Path(__file__).resolve().parents[2]
SCORE = ROOT / "examples" / "score.yaml"


def conductor(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "conductor.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def lower_wip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = SCORE.read_text().replace("wip_limit: {platform: 4,", "wip_limit: {platform: 2,")
    path = tmp_path_factory.mktemp("scores") / "wip2.yaml"
    path.write_text(text.replace("score: harbor-launch", "score: harbor-wip-2"))
    return path


def check_page(page: Path, plots: int) -> None:
    look = look_at(page)
    assert look.console == []
    assert len(look.images) == plots
    for image in look.images:
        assert image["complete"] and image["width"] > 100 and image["height"] > 100, image
    assert look.screenshot.startswith(b"\x89PNG") and len(look.screenshot) > 50_000
    (page.parent / "screenshot.png").write_bytes(look.screenshot)


def test_a_simulated_comparison_report_renders_every_plot(tmp_path: Path, lower_wip: Path) -> None:
    out = conductor(
        "rehearse", str(SCORE), "--simulate", "--runs", "12", "--seed", "5", "--jobs", "2",
        "--compare", str(lower_wip), "--report", str(tmp_path),
    )  # fmt: skip
    assert "differences beyond the runs' noise" in out
    html = (tmp_path / "report.html").read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html
    data = json.loads((tmp_path / "report.json").read_text())
    assert {c["id"] for c in data["commitments"]} == {"public-launch"}
    assert set(data["milestones"][0]) >= {"id", "probability", "p50", "p85", "p95"}
    assert data["compare"]["score"]["score"] == "harbor-wip-2"
    check_page(tmp_path / "report.html", plots=6)


def test_a_backtest_report_renders_its_calibration_plot(tmp_path: Path) -> None:
    out = conductor(
        "rehearse", str(SCORE), "--events", str(ROOT / "examples" / "events.jsonl"),
        "--backtest", "--report", str(tmp_path),
    )  # fmt: skip
    assert "back-test of" in out
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["backtest"]["predictions"] > 0
    check_page(tmp_path / "report.html", plots=1)
