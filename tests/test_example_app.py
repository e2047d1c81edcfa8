"""The README's first command runs the example app; prove it works (with fewer rows)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pageview_example_runs_on_the_embedded_default(tmp_path: Path) -> None:
    # a directory without clickorm.toml: the zero-config default (embedded chDB) applies
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "pageview_analytics.py"), "--rows", "30000",
         "--block", "10000"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "30,000 rows in" in out
    for title in ("Top pages", "Daily unique visitors", "p95 latency", "LIMIT 1 BY country",
                  "WITH TOTALS"):
        assert title in out
    assert "uniq(`user_id`)" in out and "quantile(0.95)(`latency_ms`)" in out
    assert "FROM `page_views`" in out and "total" in out
