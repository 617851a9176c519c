"""The registry benchmark at 2,000 rows, as CI runs it: it must finish, print the documented JSON, and have
imported every row and found every search target (the benchmark itself fails otherwise)."""

import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

ROWS = 2000
IMPORT_KEYS = {"seconds", "rows_per_s", "baseline_seconds", "ratio", "peak_rss_mb", "baseline_runs"}
SEARCH_KINDS = {"name", "pinyin", "phone", "id_number"}


def _postgres_admin_url() -> str | None:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/postgres"


def _databases():
    yield pytest.param("sqlite", None, id="sqlite")
    url = _postgres_admin_url()
    if url:
        yield pytest.param("postgres", url, id="postgres")


@pytest.mark.parametrize(("db", "admin_url"), list(_databases()))
def test_registry_benchmark_2000_rows(db, admin_url, tmp_path):
    out = io.StringIO()
    args = ["bench", "registry", "--rows", str(ROWS), "--db", db, "--format", "json", "--queries", "50",
            "--output", str(tmp_path / "result.json")]
    if admin_url:
        args += ["--postgres-url", admin_url]
    call_command(*args, stdout=out)
    result = json.loads(out.getvalue())
    assert result == json.loads((tmp_path / "result.json").read_text())
    assert set(result) == {"rows", "db", "import", "search"}
    assert result["rows"] == ROWS and result["db"] == db
    assert set(result["import"]) == {"csv", "xlsx"}
    for figures in result["import"].values():
        assert set(figures) == IMPORT_KEYS
        assert figures["seconds"] > 0 and figures["baseline_seconds"] > 0 and figures["peak_rss_mb"] > 0
        assert figures["rows_per_s"] == pytest.approx(ROWS / figures["seconds"], rel=0.01)
        assert figures["ratio"] == pytest.approx(figures["seconds"] / figures["baseline_seconds"], rel=0.01)
        before, after = figures["baseline_runs"]  # measured before and after the import, averaged
        assert figures["baseline_seconds"] == pytest.approx((before + after) / 2, abs=0.002)
    assert set(result["search"]) == SEARCH_KINDS
    for figures in result["search"].values():
        assert set(figures) == {"p50_ms", "p95_ms"}
        assert 0 < figures["p50_ms"] <= figures["p95_ms"]


def test_ledger_rows_are_unique_and_valid(tmp_path):
    """What the benchmark imports: valid ID numbers and phones, none repeated, and no two rows the importer
    would take for one person — so the import must create exactly N persons."""
    from tongxin.bench.registry import HEADER, LedgerGenerator
    from tongxin.core import validators

    rows = list(LedgerGenerator(seed=7).rows(3000))
    ids = [r[HEADER.index("身份证号")] for r in rows if r[HEADER.index("身份证号")]]
    phones = [r[HEADER.index("手机号码")] for r in rows if r[HEADER.index("手机号码")]]
    assert len(ids) == len(set(ids)) > 2500 and len(phones) == len(set(phones)) > 2500
    for number in ids[:200]:
        validators.check_id_number(number)
    for phone in phones[:200]:
        validators.check_phone(phone)
    keys = {(r[0], r[3], r[HEADER.index("工作单位")]) for r in rows}
    assert len(keys) == len(rows)
