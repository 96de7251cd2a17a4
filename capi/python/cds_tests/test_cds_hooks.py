"""The CDS Hooks service over real HTTP on loopback: uvicorn started here on a free port,
httpx as the EHR, a loopback FHIR server serving the Synthea export (../shared/data) for the
fetch path, and JWTs signed by a test key. Expected due dates are worked out by hand from the
export's encounter and the trigger rules (rulesets/triggers/triggers.yaml); the Tasks of the
suggestions pass the R4B models of fhir.resources.

The patient: a4a401d1-a46a-eb4a-8a38-760d5d79d6ec, whose inpatient encounter
8dee71b9-9de3-8d2d-3ebc-a816fb44c39c ended Friday 2022-11-11 16:28:15-05:00 in the export,
Friday 2026-11-06 16:28:15-05:00 as the test EHR serves it (every date moved 208 weeks
forward: harness.SHIFT). The export has no discharge disposition: an EHR records one when it
discharges, so the test EHR adds "home" (NUBC 01) to that encounter. Then
  - post_discharge_call: 72 clock hours after 2026-11-06 16:28 -> 2026-11-09 16:28;
  - tcm_interactive_contact: end of the 2nd business day after the discharge date:
    Monday 11-09 (1st), Tuesday 11-10 (2nd) -> 2026-11-10.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import re

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class

from carecoord.cds_hooks import ENCOUNTER_DISCHARGE, PATIENT_VIEW, Config, create_app

import harness
from harness import FHIR_TOKEN, ISSUER, CdsServer, FhirServer, Keys, prefetch_for, unsigned_token

PID = "a4a401d1-a46a-eb4a-8a38-760d5d79d6ec"
EID = "8dee71b9-9de3-8d2d-3ebc-a816fb44c39c"
EST = datetime.timezone(datetime.timedelta(hours=-5))
HOME = {"coding": [{"system": "http://www.nubc.org/patient-discharge", "code": "01"}]}
SNF = {"coding": [{"system": "http://www.nubc.org/patient-discharge", "code": "03"}]}

# The request example of the specification ("Calling a CDS Service"), as published.
SPEC_REQUEST = {
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "fhirServer": "http://hooks.smarthealthit.org:9080",
    "hook": "patient-view",
    "fhirAuthorization": {
        "access_token": "some-opaque-fhir-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/Patient.read patient/Observation.read",
        "subject": "cds-service4",
    },
    "context": {"userId": "Practitioner/example", "patientId": "1288992", "encounterId": "89284"},
    "prefetch": {
        "patientToGreet": {"resourceType": "Patient", "gender": "male", "birthDate": "1925-12-23",
                           "id": "1288992", "active": True}
    },
}

# The feedback examples of the specification, with card ids this service issued.
def spec_feedback(card: str, suggestion: str) -> list:
    return [
        {"feedback": [{"card": card, "outcome": "accepted", "acceptedSuggestions": [{"id": suggestion}],
                       "outcomeTimestamp": "2020-12-11T00:00:00Z"}]},
        {"feedback": [{"card": card, "outcome": "overridden", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]},
        {"feedback": [{"card": card, "outcome": "overridden", "overrideReason": {
            "reason": {"code": "d7ecf885", "system": "https://example.com/cds-hooks/override-reason-system"},
            "userComment": "A comment entered by the clinician."}, "outcomeTimestamp": "2020-12-11T00:00:00Z"}]},
    ]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.datetime(2026, 11, 8, 9, 0, tzinfo=EST)

    def __call__(self) -> datetime.datetime:
        return self.now


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cds")
    keys = Keys(tmp)
    data = harness.load_export()
    assert PID in data and any(e["id"] == EID for e in data[PID]["Encounter"])
    clock = Clock()
    with FhirServer(data) as fhir:
        def make_app(base):
            return create_app(Config(rules=str(harness.RULESETS), jwks=str(keys.jwks_path), issuers=[ISSUER],
                                     base_url=base, fhir_servers=[fhir.base], utc_offset=EST, clock=clock,
                                     feedback_log=str(tmp / "feedback.jsonl")))

        server = CdsServer(make_app)
        server.start()
        try:
            with httpx.Client(base_url=server.base, timeout=30.0) as client:
                yield {"client": client, "keys": keys, "data": data, "fhir": fhir, "base": server.base,
                       "clock": clock, "tmp": tmp}
        finally:
            server.stop()


def with_disposition(data, eid=EID, end=True, disposition=HOME):
    d = copy.deepcopy(data)
    for e in d[PID]["Encounter"]:
        if e["id"] == eid:
            e["hospitalization"] = {"dischargeDisposition": disposition}
            if not end:
                del e["period"]["end"]
                e["status"] = "in-progress"
    return d


def call(env, service, body, token=None, path=None):
    aud = f"{env['base']}/cds-services/{service}"
    headers = {"Authorization": f"Bearer {token if token is not None else env['keys'].token(aud)}"}
    return env["client"].post(path or f"/cds-services/{service}", json=body, headers=headers)


def request(hook, prefetch=None, fhir_server=None, context=None, token=FHIR_TOKEN):
    body = {"hookInstance": "3f1b2d9e-1111-4c1a-9d55-6b0c6ad0c001", "hook": hook,
            "context": context or {"userId": "Practitioner/example", "patientId": PID, "encounterId": EID}}
    if prefetch is not None:
        body["prefetch"] = prefetch
    if fhir_server:
        body["fhirServer"] = fhir_server
        body["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                     "scope": "patient/*.read", "subject": "carecoord"}
    return body


def validate(resource):
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


# ---- discovery -----------------------------------------------------------------------------------


def test_discovery_is_public_and_lists_both_services_with_prefetch_templates(env):
    r = env["client"].get("/cds-services")
    assert r.status_code == 200
    services = {s["id"]: s for s in r.json()["services"]}
    assert services[PATIENT_VIEW]["hook"] == "patient-view"
    assert services[ENCOUNTER_DISCHARGE]["hook"] == "encounter-discharge"
    for s in services.values():
        assert s["description"] and s["title"]
        assert s["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        for key, resource in [("conditions", "Condition"), ("encounters", "Encounter"), ("coverage", "Coverage"),
                              ("observations", "Observation"), ("medications", "MedicationRequest")]:
            assert s["prefetch"][key] == f"{resource}?patient={{{{context.patientId}}}}"


# ---- patient-view ----------------------------------------------------------------------------------


def test_patient_view_with_prefetch_shows_tier_programs_and_followups_due(env):
    env["clock"].now = datetime.datetime(2026, 11, 8, 9, 0, tzinfo=EST)
    data = with_disposition(env["data"])
    n_before = len(env["fhir"].requests)
    r = call(env, PATIENT_VIEW, request("patient-view", prefetch_for(data, PID)))
    assert r.status_code == 200, r.text
    assert len(env["fhir"].requests) == n_before  # everything was prefetched: no fetch
    cards = r.json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    # On 11-08 four follow-ups of the 11-06 discharge are open: the call (11-09 16:28), the
    # TCM contact (11-10), the TCM face-to-face visit (7 days for high or unrecorded decision
    # making: 11-13) and the significant-change reassessment (14 days: 11-20).
    assert card["indicator"] == "info"
    assert re.fullmatch(r"Care-intensity tier: \w+; (eligible for \d+ programs?; )?4 follow-ups due", card["summary"]), \
        card["summary"]
    assert len(card["summary"]) < 140
    assert "due 2026-11-09 16:28" in card["detail"]
    assert "due 2026-11-10" in card["detail"]
    assert "due 2026-11-13" in card["detail"]
    assert "due 2026-11-20" in card["detail"]
    assert "overdue" not in card["detail"]
    assert card["source"]["label"].startswith("carecoord ")
    assert all(o["display"] for o in card["overrideReasons"])
    # The tier: the patient has an active "Housing unsatisfactory" finding (SNOMED 105531004,
    # never abated), housing instability, which rule cm_housing_instability of intensity-v2
    # puts in case_management.
    assert card["summary"].startswith("Care-intensity tier: case_management;")
    assert "**Tier: case_management**" in card["detail"]
    assert "- Housing instability (social screen or active Z59.0x/Z59.1x/Z59.81x code) (facts_sdoh_lep)" in card["detail"]


def test_patient_view_after_the_due_dates_is_a_warning_with_both_overdue(env):
    env["clock"].now = datetime.datetime(2026, 11, 11, 9, 0, tzinfo=EST)  # after 11-10: both overdue
    r = call(env, PATIENT_VIEW, request("patient-view", prefetch_for(with_disposition(env["data"]), PID)))
    assert r.status_code == 200, r.text
    card = r.json()["cards"][0]
    assert card["indicator"] == "warning"
    assert card["summary"].endswith("4 follow-ups due (2 overdue)")
    assert card["detail"].count("(**overdue**)") == 2


def test_patient_view_fetches_from_fhir_server_with_the_bearer_token_when_prefetch_is_missing(env):
    env["clock"].now = datetime.datetime(2026, 11, 8, 9, 0, tzinfo=EST)
    fhir = env["fhir"]
    fhir.data.update(with_disposition(env["data"]))
    n_before = len(fhir.requests)
    r = call(env, PATIENT_VIEW, request("patient-view", fhir_server=fhir.base))
    assert r.status_code == 200, r.text
    seen = fhir.requests[n_before:]
    paths = sorted(q["path"].split("&_page")[0] for q in seen)
    assert f"/fhir/Patient/{PID}" in paths
    for t in ("Condition", "Encounter", "Coverage", "Observation", "MedicationRequest"):
        assert f"/fhir/{t}?patient={PID}" in paths
    # The patient's 44 encounters come in pages of 10: the 4 next links were followed.
    n_enc = len(env["data"][PID]["Encounter"])
    assert n_enc == 44
    assert sum(1 for q in seen if q["path"].startswith("/fhir/Encounter")) == 5
    assert all(q["authorization"] == f"Bearer {FHIR_TOKEN}" for q in seen)
    # The same cards as from the prefetch.
    via_prefetch = call(env, PATIENT_VIEW, request("patient-view", prefetch_for(with_disposition(env["data"]), PID)))
    a, b = r.json()["cards"][0], via_prefetch.json()["cards"][0]
    assert (a["summary"], a["detail"]) == (b["summary"], b["detail"])


def test_partial_prefetch_fetches_only_the_missing_templates(env):
    fhir = env["fhir"]
    prefetch = prefetch_for(with_disposition(env["data"]), PID)
    del prefetch["conditions"]
    n_before = len(fhir.requests)
    r = call(env, PATIENT_VIEW, request("patient-view", prefetch, fhir_server=fhir.base))
    assert r.status_code == 200, r.text
    # 34 conditions in pages of 10: the search and 3 next pages, nothing else.
    assert [q["path"] for q in fhir.requests[n_before:]] == \
        [f"/fhir/Condition?patient={PID}"] + [f"/fhir/Condition?patient={PID}&_page={i}" for i in (1, 2, 3)]


def test_an_operation_outcome_in_prefetch_is_fetched_instead(env):
    # The client could not prefetch the conditions and said so: the service reads them.
    fhir = env["fhir"]
    prefetch = prefetch_for(with_disposition(env["data"]), PID)
    prefetch["conditions"] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    n_before = len(fhir.requests)
    r = call(env, PATIENT_VIEW, request("patient-view", prefetch, fhir_server=fhir.base))
    assert r.status_code == 200, r.text
    assert {q["path"].split("&")[0] for q in fhir.requests[n_before:]} == {f"/fhir/Condition?patient={PID}"}
    # Without a fhirServer the same request cannot get its conditions: 412.
    assert call(env, PATIENT_VIEW, request("patient-view", prefetch)).status_code == 412


def test_a_body_over_8_mib_is_413(env):
    aud = f"{env['base']}/cds-services/{PATIENT_VIEW}"
    big = b'{"hook": "patient-view", "pad": "' + b"x" * (8 << 20) + b'"}'
    r = env["client"].post(f"/cds-services/{PATIENT_VIEW}", content=big,
                           headers={"Authorization": f"Bearer {env['keys'].token(aud)}",
                                    "Content-Type": "application/json"})
    assert r.status_code == 413


def test_412_when_prefetch_and_fhir_server_are_both_missing(env):
    r = call(env, PATIENT_VIEW, request("patient-view"))
    assert r.status_code == 412
    assert "prefetch" in r.json()["error"]


def test_the_specification_request_example_is_412_here(env):
    # Its prefetch key is not one of ours, and its fhirServer is not a trusted server of this
    # deployment: the service cannot get the data, and says so (without calling out).
    n_before = len(env["fhir"].requests)
    r = call(env, PATIENT_VIEW, SPEC_REQUEST)
    assert r.status_code == 412
    assert len(env["fhir"].requests) == n_before


def test_a_rejected_fhir_token_is_412(env):
    r = call(env, PATIENT_VIEW, request("patient-view", fhir_server=env["fhir"].base, token="wrong-token"))
    assert r.status_code == 412
    assert "401" in r.json()["error"]


def test_malformed_requests_name_the_field(env):
    body = request("patient-view", prefetch_for(env["data"], PID))
    for change, field in [(lambda b: b.update(hook="order-select"), "hook"),
                          (lambda b: b.pop("hookInstance"), "hookInstance"),
                          (lambda b: b["context"].pop("patientId"), "context.patientId"),
                          (lambda b: b.update(prefetch={"patient": "not a resource"}), "prefetch.patient")]:
        bad = copy.deepcopy(body)
        change(bad)
        r = call(env, PATIENT_VIEW, bad)
        assert r.status_code == 400, (field, r.text)
        assert r.json()["field"] == field
    aud = f"{env['base']}/cds-services/{PATIENT_VIEW}"
    r = env["client"].post(f"/cds-services/{PATIENT_VIEW}", content=b"{not json",
                           headers={"Authorization": f"Bearer {env['keys'].token(aud)}"})
    assert r.status_code == 400
    r = call(env, "no-such-service", body)
    assert r.status_code == 404


# ---- encounter-discharge -------------------------------------------------------------------------


def _tasks(card):
    return {s["actions"][0]["resource"]["code"]["coding"][0]["code"]: s for s in card["suggestions"]}


def test_encounter_discharge_suggests_the_call_and_tcm_contact_as_tasks(env):
    env["clock"].now = datetime.datetime(2026, 11, 6, 16, 40, tzinfo=EST)
    r = call(env, ENCOUNTER_DISCHARGE, request("encounter-discharge", prefetch_for(with_disposition(env["data"]), PID)))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert card["selectionBehavior"] == "any"
    by_trigger = _tasks(card)
    assert set(by_trigger) == {"post_discharge_call", "tcm_interactive_contact"}
    call_task = by_trigger["post_discharge_call"]["actions"][0]
    tcm_task = by_trigger["tcm_interactive_contact"]["actions"][0]
    assert call_task["type"] == "create" and tcm_task["type"] == "create"
    assert call_task["resource"]["restriction"]["period"]["end"] == "2026-11-09T16:28:00-05:00"
    assert tcm_task["resource"]["restriction"]["period"]["end"] == "2026-11-10"
    for action in (call_task, tcm_task):
        task = action["resource"]
        assert task["resourceType"] == "Task"
        assert task["for"] == {"reference": f"Patient/{PID}"}
        assert task["focus"] == {"reference": f"Encounter/{EID}"}
        assert task["status"] == "requested" and task["intent"] == "plan"
        assert task["businessStatus"]["coding"][0]["code"] == "open"
        assert task["restriction"]["period"]["start"] == "2026-11-06"
        validate(task)
    assert "2026-11-09 16:28" in card["summary"] and "2026-11-10" in card["summary"]


def test_encounter_discharge_of_an_encounter_not_yet_ended_ends_it_now(env):
    # The hook fires during the discharge: the encounter has no end yet. Discharged at the
    # service's clock, Monday 2026-11-09 10:00-05:00: the call is due Thursday 11-12 10:00, the
    # TCM contact on the 2nd business day after Monday: Tuesday 11-10 (1st), Wednesday 11-11
    # is Veterans Day (a federal holiday, skipped), Thursday 11-12 (2nd).
    env["clock"].now = datetime.datetime(2026, 11, 9, 10, 0, tzinfo=EST)
    data = with_disposition(env["data"], end=False)
    r = call(env, ENCOUNTER_DISCHARGE, request("encounter-discharge", prefetch_for(data, PID)))
    assert r.status_code == 200, r.text
    by_trigger = _tasks(r.json()["cards"][0])
    assert by_trigger["post_discharge_call"]["actions"][0]["resource"]["restriction"]["period"]["end"] == \
        "2026-11-12T10:00:00-05:00"
    assert by_trigger["tcm_interactive_contact"]["actions"][0]["resource"]["restriction"]["period"]["end"] == "2026-11-12"


@pytest.mark.parametrize("disposition", [SNF, None], ids=["to a nursing facility stay", "disposition not recorded"])
def test_encounter_discharge_not_to_the_community_gives_no_card(env, disposition):
    # A discharge to a skilled nursing facility is not a community discharge (TCM and the
    # call do not start); one whose disposition is not recorded cannot be said to be one.
    env["clock"].now = datetime.datetime(2026, 11, 6, 16, 40, tzinfo=EST)
    data = with_disposition(env["data"], disposition=disposition) if disposition else env["data"]
    r = call(env, ENCOUNTER_DISCHARGE, request("encounter-discharge", prefetch_for(data, PID)))
    assert r.status_code == 200, r.text
    assert r.json() == {"cards": []}


def test_encounter_discharge_of_an_unknown_encounter_is_412(env):
    ctx = {"userId": "PractitionerRole/A2340113", "patientId": PID, "encounterId": "456"}
    r = call(env, ENCOUNTER_DISCHARGE, request("encounter-discharge", prefetch_for(env["data"], PID), context=ctx))
    assert r.status_code == 412


# ---- security ----------------------------------------------------------------------------------------


def test_jwt_valid_expired_wrong_audience_unsigned_and_others(env):
    keys = env["keys"]
    body = request("patient-view", prefetch_for(env["data"], PID))
    aud = f"{env['base']}/cds-services/{PATIENT_VIEW}"
    assert call(env, PATIENT_VIEW, body, token=keys.token(aud)).status_code == 200
    assert call(env, PATIENT_VIEW, body, token=keys.token([aud, "https://other.example"])).status_code == 200
    refused = {
        "expired": keys.token(aud, exp_in=-60),
        "wrong audience": keys.token(f"{env['base']}/cds-services/{ENCOUNTER_DISCHARGE}"),
        "unsigned": unsigned_token(aud),
        "wrong key": keys.token(aud, key=keys.stranger),
        "unknown kid": keys.token(aud, kid="not-in-jwks"),
        "untrusted issuer": keys.token(aud, iss="https://evil.example/"),
        "no jti": keys.token(aud, drop="jti"),
        "no exp": keys.token(aud, drop="exp"),
        "lifetime too long": keys.token(aud, exp_in=3600),
        "issued in the future": keys.token(aud, iat_in=300, exp_in=400),
        "HMAC": __import__("jwt").encode({"iss": ISSUER, "aud": aud, "exp": 9999999999, "iat": 0, "jti": "x"},
                                         "a-shared-secret-of-32-bytes-long", algorithm="HS256",
                                         headers={"kid": harness.KID}),
        "not a JWT": "abc.def",
    }
    for why, token in refused.items():
        r = call(env, PATIENT_VIEW, body, token=token)
        assert r.status_code == 401, why
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = env["client"].post(f"/cds-services/{PATIENT_VIEW}", json=body)
    assert r.status_code == 401
    # A token used once is refused the second time (jti replay).
    once = keys.token(aud)
    assert call(env, PATIENT_VIEW, body, token=once).status_code == 200
    r = call(env, PATIENT_VIEW, body, token=once)
    assert r.status_code == 401 and "replay" in r.json()["error"]


def test_jwks_from_a_url_is_fetched_once_and_cached(env):
    from carecoord.cds_hooks.auth import AuthError, JwksSource, Verifier
    fhir = env["fhir"]
    fhir.jwks = env["keys"].jwks_path.read_bytes()
    try:
        verifier = Verifier(JwksSource(f"{fhir.origin}/jwks.json"), [ISSUER])
        n_before = len(fhir.requests)
        aud = "https://cds.example.org/cds-services/x"
        for _ in range(3):
            claims = verifier.verify(f"Bearer {env['keys'].token(aud)}", [aud])
            assert claims["iss"] == ISSUER
        with pytest.raises(AuthError, match="kid"):
            verifier.verify(f"Bearer {env['keys'].token(aud, kid='rotated-key')}", [aud])
        with pytest.raises(AuthError, match="signature"):
            verifier.verify(f"Bearer {env['keys'].token(aud, key=env['keys'].stranger)}", [aud])
        # One fetch for all five tokens: an unknown kid does not refetch a fresh set.
        assert [q["path"] for q in fhir.requests[n_before:]] == ["/jwks.json"]
        with pytest.raises(AuthError, match="JWK Set URL answered 401"):
            Verifier(JwksSource(f"{fhir.base}/Patient/x"), [ISSUER]).verify(
                f"Bearer {env['keys'].token(aud)}", [aud])
    finally:
        fhir.jwks = None


# ---- feedback and logs -------------------------------------------------------------------------------


def test_feedback_examples_are_logged_with_ids_only(env, caplog):
    env["clock"].now = datetime.datetime(2026, 11, 6, 16, 40, tzinfo=EST)
    caplog.set_level(logging.DEBUG)
    r = call(env, ENCOUNTER_DISCHARGE, request("encounter-discharge", prefetch_for(with_disposition(env["data"]), PID)))
    card = r.json()["cards"][0]
    suggestion = card["suggestions"][0]["uuid"]
    feedback_path = f"/cds-services/{ENCOUNTER_DISCHARGE}/feedback"
    aud = f"{env['base']}/cds-services/{ENCOUNTER_DISCHARGE}"
    for body in spec_feedback(card["uuid"], suggestion):
        r = env["client"].post(feedback_path, json=body, headers={"Authorization": f"Bearer {env['keys'].token(aud)}"})
        assert r.status_code == 200, r.text
    # Feedback needs the JWT too.
    assert env["client"].post(feedback_path, json=spec_feedback(card["uuid"], suggestion)[1]).status_code == 401
    bad = {"feedback": [{"card": card["uuid"], "outcome": "maybe", "outcomeTimestamp": "2020-12-11T00:00:00Z"}]}
    r = env["client"].post(feedback_path, json=bad, headers={"Authorization": f"Bearer {env['keys'].token(aud)}"})
    assert r.status_code == 400 and r.json()["field"] == "feedback[0].outcome"

    lines = [json.loads(x) for x in (env["tmp"] / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [x for x in lines if x["card"] == card["uuid"]]
    assert [x["outcome"] for x in mine] == ["accepted", "overridden", "overridden"]
    assert mine[0]["acceptedSuggestions"] == [suggestion]
    assert all(x["patientId"] == PID and x["service"] == ENCOUNTER_DISCHARGE for x in mine)
    assert mine[2]["overrideReason"] == {"code": "d7ecf885", "system": "https://example.com/cds-hooks/override-reason-system"}
    assert mine[2]["userComment"] is True
    text = (env["tmp"] / "feedback.jsonl").read_text(encoding="utf-8")
    assert "A comment entered by the clinician." not in text
    allowed = {"service", "card", "outcome", "outcomeTimestamp", "hookInstance", "patientId", "acceptedSuggestions",
               "overrideReason", "userComment", "received"}
    assert all(set(x) <= allowed for x in lines)


def test_logs_hold_no_patient_data(env, caplog):
    caplog.set_level(logging.DEBUG)
    env["clock"].now = datetime.datetime(2026, 11, 8, 9, 0, tzinfo=EST)
    call(env, PATIENT_VIEW, request("patient-view", prefetch_for(with_disposition(env["data"]), PID)))
    call(env, PATIENT_VIEW, request("patient-view", fhir_server=env["fhir"].base))
    call(env, PATIENT_VIEW, request("patient-view", {"patient": {"resourceType": "Patient", "id": PID,
                                                                   "birthDate": "1981-13-45"}}, fhir_server=None))
    text = caplog.text
    assert "hook carecoord-patient-view -> 200" in text
    patient = env["data"][PID]["Patient"][0]
    for secret in [patient["name"][0]["family"], patient["name"][0]["given"][0], patient["birthDate"], "1981-13-45",
                   FHIR_TOKEN, "Sleep disorder"]:
        assert secret not in text, secret


# ---- the command line --------------------------------------------------------------------------


def _module(*args, **kw):
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(harness.SOURCE / "capi" / "python"),
                                                        os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "carecoord.cds_hooks", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_the_command_line_serves_until_stopped(env):
    import time
    sock = harness.free_socket()
    port = sock.getsockname()[1]
    sock.close()
    proc = _module("--rules", str(harness.RULESETS), "--jwks", str(env["keys"].jwks_path), "--issuer", ISSUER,
                   "--port", str(port), "--utc-offset=-05:00", "--log-level", "warning")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=1.0)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        assert r.status_code == 200 and len(r.json()["services"]) == 2
        # The audience is http://127.0.0.1:PORT/... by default.
        aud = f"http://127.0.0.1:{port}/cds-services/{PATIENT_VIEW}"
        r = httpx.post(aud, json=request("patient-view"), timeout=10.0,
                       headers={"Authorization": f"Bearer {env['keys'].token(aud)}"})
        assert r.status_code == 412  # authenticated; no data and no trusted fhirServer
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize("args,says", [
    (["--jwks", "/nonexistent/jwks.json"], "cannot start"),
    (["--jwks", "JWKS", "--rules", "/nonexistent/rules"], "E0311"),
    (["--jwks", "JWKS", "--utc-offset=+15:00"], "--utc-offset"),
    (["--jwks", "JWKS", "--as-of", "2026-02-30"], "--as-of"),
])
def test_the_command_line_refuses_a_bad_configuration(env, args, says):
    args = [str(env["keys"].jwks_path) if a == "JWKS" else a for a in args]
    base = ["--rules", str(harness.RULESETS), "--issuer", ISSUER, "--port", "1"]
    proc = _module(*base, *args)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert says in err.decode()
