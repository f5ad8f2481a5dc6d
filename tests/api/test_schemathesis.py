"""Schemathesis against /api/v1/openapi.json, in-process: no generated request gets a 5xx, and every
answer whose status is documented matches its documented schema.

Each operation is fuzzed with data that fits the document (positive) and data that does not
(negative), with a valid key that has every scope, on an organisation with real codes, so some
requests reach the services and not only the validators. Examples per operation and mode:
``SCHEMATHESIS_EXAMPLES`` (default 100; the whole file runs in well under a minute).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "100"))
ALL_SCOPES = "kpi:read,responses:read,tickets:write,volumes:write"


@pytest.fixture()
def api_schema(app, connection):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_schemathesis_sees_every_documented_operation(api_schema, client):
    """Every operation is fuzzed (schemathesis leaves out the document's own endpoint)."""
    document = client.get("/api/v1/openapi.json").get_json()
    documented = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete", "patch") and path != "/openapi.json"
    }
    fuzzed = {f"{r.ok().method.upper()} {r.ok().path}" for r in api_schema.get_all_operations()}
    assert "POST /tickets" in fuzzed
    assert fuzzed == documented


# Codes that exist, swapped into half of the generated bodies so requests get past the lookups.
REAL_CODES = {
    "counter": ["KH-TTHCC-Q03", "KH-NT-Q01", "KH-TTHCC-Q09"],
    "staff": ["CB0001"],
    "service": ["1.009972"],
    "unit": ["KH", "KH-TTHCC", "KH-P-NHATRANG"],
}


def _with_real_codes(body: object, data) -> None:  # noqa: ANN001
    items = body if isinstance(body, list) else [body]
    for item in items:
        if isinstance(item, dict):
            for field, codes in REAL_CODES.items():
                if field in item and data.draw(st.booleans()):
                    item[field] = data.draw(st.sampled_from(codes))


def fuzz(operation, mode: GenerationMode, headers: dict[str, str]) -> dict[int, int]:
    """Run ``EXAMPLES`` generated requests against one operation; returns how often each status came."""
    seen: dict[int, int] = {}

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case, data) -> None:
        if mode == GenerationMode.POSITIVE:
            _with_real_codes(case.body, data)
            if case.query and "unit" in case.query and data.draw(st.booleans()):
                case.query["unit"] = data.draw(st.sampled_from(REAL_CODES["unit"]))
        response = case.call(headers=headers)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_generated_request_gets_a_server_error(api_schema, make_key, org, mode):
    key = make_key(unit="KH", scopes=ALL_SCOPES)
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        try:
            seen = fuzz(operation, mode, headers)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{label}: {exc}")
        else:
            print(f"{mode} {label}: statuses {dict(sorted(seen.items()))}")
    assert not failures, "\n\n".join(failures)
