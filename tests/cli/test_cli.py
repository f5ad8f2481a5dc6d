"""The CLI: clear messages and a non-zero exit on bad input, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from feedback.models import Counter, SurveyTemplate, TemplateAssignment, Unit
from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]


def example(name: str) -> str:
    return str(EXAMPLES / name)


def test_directory_import_of_the_examples(cli, session):
    result = cli(
        "directory",
        "import",
        "--units",
        example("units.csv"),
        "--counters",
        example("counters.csv"),
        "--staff",
        example("staff.csv"),
        "--services",
        example("services.csv"),
    )
    assert result.exit_code == 0, result.output
    assert "units: 4 created" in result.output
    assert session.scalar(select(Counter.code).where(Counter.code == "KH-TTHCC-Q03")) == "KH-TTHCC-Q03"
    again = cli("directory", "import", "--units", example("units.csv"))
    assert "units: 0 created, 0 updated, 4 unchanged" in again.output


def test_directory_import_reports_each_bad_row_and_writes_nothing(cli, session, tmp_path):
    bad = tmp_path / "units.csv"
    bad.write_text(
        "code,name_vi,name_en,parent_code,kind\nKH,Tỉnh,,,province\nKH-1,,,KH,ward\nKH-2,X,,NOPE,ward\n",
        encoding="utf-8",
    )
    result = cli("directory", "import", "--units", str(bad))
    assert result.exit_code == 1
    assert "error: units.csv, line 3, column name_vi: a value is required" in result.output
    assert "error: units.csv, line 4, column parent_code: no unit with code NOPE" in result.output
    assert "2 problem(s) found; nothing was imported" in result.output
    assert session.scalar(select(func.count()).select_from(Unit)) == 0


def test_directory_import_needs_a_file_and_a_readable_one(cli, tmp_path):
    assert cli("directory", "import").exit_code == 2
    missing = cli("directory", "import", "--units", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and "cannot read the file" in missing.output


def test_surveys_import_assign_and_export(cli, session, tmp_path):
    cli("directory", "import", "--units", example("units.csv"))
    doc = {
        "code": "short",
        "name_vi": "Ngắn",
        "questions": [
            {"code": "overall", "type": "rating3", "required": True, "dimension": "overall", "text_vi": "Hài lòng?"}
        ],
    }
    path = tmp_path / "short.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = cli("surveys", "import", str(path))
    assert result.exit_code == 0 and "template short: new version 1" in result.output
    assert "unchanged, latest version 1" in cli("surveys", "import", str(path)).output
    assigned = cli("surveys", "assign", "short", "--unit", "KH-P-NHATRANG")
    assert assigned.exit_code == 0, assigned.output
    template_id = session.scalar(select(SurveyTemplate.id).where(SurveyTemplate.code == "short"))
    assert session.scalar(select(TemplateAssignment.template_id)) == template_id
    exported = json.loads(cli("surveys", "export", "short").output)
    assert exported["questions"][0]["text_vi"] == "Hài lòng?"


def test_surveys_bad_input(cli, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = cli("surveys", "import", str(broken))
    assert result.exit_code == 1 and "not valid JSON" in result.output
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"code": "x", "name_vi": "X", "questions": [{"code": "q", "type": "stars", "text_vi": "?"}]}')
    result = cli("surveys", "import", str(invalid))
    assert result.exit_code == 1 and "type must be one of" in result.output
    assert cli("surveys", "import", str(tmp_path / "none.json")).exit_code == 1
    unknown = cli("surveys", "assign", "nope", "--unit", "KH")
    assert unknown.exit_code == 1 and "no survey template with code 'nope'" in unknown.output
    assert cli("surveys", "export", "nope").exit_code == 1


def test_qr_counter_writes_files(cli, tmp_path):
    cli("directory", "import", "--units", example("units.csv"), "--counters", example("counters.csv"))
    svg = tmp_path / "q03.svg"
    result = cli("qr", "counter", "KH-TTHCC-Q03", "-o", str(svg))
    assert result.exit_code == 0 and svg.read_bytes().startswith(b"<?xml")
    assert "/q/KH-TTHCC-Q03" in result.output
    assert cli("qr", "counter", "NOPE", "-o", str(svg)).exit_code == 1
    assert cli("qr", "counter", "KH-TTHCC-Q03", "-o", str(tmp_path / "x.gif")).exit_code == 1


def _run_flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_real_process_upgrade_and_import_without_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", "FEEDBACK_ENV": "development"}
    assert _run_flask("db", "upgrade", env=env).returncode == 0
    bad = tmp_path / "counters.csv"
    bad.write_text("code,unit_code,label_vi\nQ1,NOPE,Quầy\n", encoding="utf-8")
    result = _run_flask("directory", "import", "--counters", str(bad), env=env)
    assert result.returncode == 1
    assert "counters.csv, line 2, column unit_code: no unit with code NOPE" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path):
    env = {**os.environ, "FEEDBACK_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    env["SECRET_KEY"] = "x" * 48
    assert subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env).returncode == 0


def test_commands_on_a_database_without_tables_explain_what_to_do(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "FEEDBACK_ENV": "development"}
    result = _run_flask("directory", "import", "--units", example("units.csv"), env=env)
    assert result.returncode == 1
    assert "no such table" in result.stderr and "db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
