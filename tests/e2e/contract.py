#!/usr/bin/env python3
"""Contract conformance: walk a few flows through the gateway of a running stack and check every
answer against docs/openapi.yaml — the status is one the operation documents, and the JSON body
validates against that response's schema (OpenAPI 3.0 turned into JSON Schema: `nullable`
becomes a null type; formats date and date-time are checked; a property an object schema does
not name is a violation too, so a field the server adds must be documented). Exits 1 on any
violation, listing them.
Run by scripts/test.sh after the end-to-end tests:  PB_GATEWAY=http://127.0.0.1:18080
PB_ADMIN_USER=admin PB_ADMIN_PASSWORD=... python3 tests/e2e/contract.py"""
import copy
import datetime
import json
import os
import re
import sys
import urllib.error
import urllib.request

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = yaml.safe_load(open(os.path.join(HERE, "..", "..", "docs", "openapi.yaml"), encoding="utf-8"))
GATEWAY = os.environ.get("PB_GATEWAY") or "http://127.0.0.1:%s" % os.environ.get("PB_PORT_BASE", "18080")
violations = []
checked = 0


def to_json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema (draft 7): nullable → null allowed; objects that do
    not say otherwise refuse properties they do not name (so undocumented fields show up)."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example", "discriminator")}
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = out["enum"] + [None]
        if "allOf" in out or "$ref" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


ROOT = to_json_schema(SPEC)


def resolve(ref):
    node = ROOT
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def compose_all_of():
    """allOf composes objects, and the strict part of one would refuse the fields of the
    others: each part allows any property (a referenced component through a relaxed twin), and
    the composing schema allows only the union of the parts' property names."""
    twins = {}

    def visit(n):
        if isinstance(n, list):
            for x in n:
                visit(x)
            return
        if not isinstance(n, dict):
            return
        if "allOf" in n:
            names, known = set(), True
            for part in n["allOf"]:
                if "$ref" in part:
                    name = part["$ref"].rsplit("/", 1)[1]
                    twin = name + "__part"
                    if twin not in twins:
                        twins[twin] = dict(copy.deepcopy(resolve(part["$ref"])), additionalProperties=True)
                    target = twins[twin]
                    part["$ref"] = "#/components/schemas/" + twin
                else:
                    part["additionalProperties"] = True
                    target = part
                if "properties" in target and "allOf" not in target:
                    names.update(target["properties"])
                else:
                    known = False
            if known and names:
                n["propertyNames"] = {"enum": sorted(names)}
        for v in n.values():
            visit(v)

    visit(ROOT["paths"])
    visit(ROOT["components"])
    ROOT["components"]["schemas"].update(twins)


compose_all_of()

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date", raises=ValueError)
def is_date(value):
    if not isinstance(value, str):
        return True
    datetime.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else int("x")
    return True


@FORMATS.checks("date-time", raises=ValueError)
def is_date_time(value):
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
        raise ValueError(value)
    return True


def operation(method, path):
    """(template, operation) documented for this concrete path, or (None, None). The template
    that names most of the path's segments literally wins (`/orders/{id}/care-logs` over
    `/orders/{id}/{action}`, `/orders/quote` over `/orders/{id}`), whatever the method: a
    method that template does not have is no operation."""
    segs = path.split("?")[0].strip("/").split("/")
    best, literal = None, -1
    for template in ROOT["paths"]:
        ts = template.strip("/").split("/")
        if len(ts) == len(segs) and all(t.startswith("{") or t == s for t, s in zip(ts, segs)):
            n = sum(not t.startswith("{") for t in ts)
            if n > literal:
                best, literal = template, n
    op = ROOT["paths"][best].get(method.lower()) if best else None
    return (best, op) if op else (None, None)


def check(method, path, status, ctype, doc, where=None):
    """One answer of the gateway against the contract: a documented operation and status, and a
    JSON body that the response's schema accepts."""
    global checked
    where = where or "%s %s -> %d" % (method, path, status)
    template, op = operation(method, path)
    checked += 1
    if op is None:
        violations.append("%s: no such operation in the contract" % where)
        return
    resp = op["responses"].get(str(status)) or op["responses"].get("default")
    if resp is None:
        violations.append("%s: status not documented for %s %s" % (where, method, template))
        return
    while "$ref" in resp:
        resp = resolve(resp["$ref"])
    if doc is None or not ctype.startswith("application/json"):
        return
    schema = ((resp.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        violations.append("%s: a JSON body where the contract documents none" % where)
        return
    validator = jsonschema.Draft7Validator(dict(schema, components=ROOT["components"]), format_checker=FORMATS)
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        at = "/".join(str(p) for p in err.path) or "(body)"
        violations.append("%s: %s: %s" % (where, at, err.message[:300]))


def call(method, path, body=None, token=None, raw=None, content_type="application/json", expect=None):
    """One request through the gateway; its answer is checked against the contract."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(GATEWAY + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            status, text, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, text, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    where = "%s %s -> %d" % (method, path, status)
    if expect is not None and status != expect:
        violations.append("%s: the flow expected %d (%s)" % (where, expect, text[:200]))
    doc = json.loads(text) if text and ctype.startswith("application/json") else None
    check(method, path, status, ctype, doc, where)
    return status, doc


def api_path(path):
    """Whether the contract speaks for this path: the API, not the web app, its assets, the
    photos nginx serves or the API explorer."""
    p = path.split("?")[0]
    return p.startswith("/api/") or p in ("/healthz",)


def check_log(name):
    """Every answer the end-to-end suites recorded (PB_CONTRACT_LOG, one JSON line each). Not
    the contract's: paths outside /api (the web app, photos, the API explorer), and requests
    no client following the contract sends (a path or method that no operation has, refused
    with 400, 404, 405 or 414). A 500 is a violation wherever it comes from: no test provokes
    one; a 502/503/504 of a part a suite stopped is checked like any answer."""
    seen = skipped = 0
    with open(name, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            seen += 1
            method, path, status = rec["method"], rec["path"], rec["status"]
            unknown = operation(method, path)[0] is None
            if not api_path(path) or unknown and status in (400, 404, 405, 414):
                skipped += 1
                continue
            if status == 500:
                violations.append("%s %s -> 500: an internal error" % (method, path))
            check(method, path, status, rec.get("content_type", ""), rec.get("body"))
    return seen, skipped


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--log":
        seen, skipped = check_log(sys.argv[2])
        for v in violations:
            print("  - " + v)
        print("contract: %d answers the end-to-end suites recorded, %d checked against docs/openapi.yaml "
              "(%d outside it: not /api, or refused paths no operation has), %d violations"
              % (seen, checked, skipped, len(violations)))
        return 1 if violations else 0
    admin_user = os.environ.get("PB_ADMIN_USER", "admin")
    admin_password = os.environ.get("PB_ADMIN_PASSWORD")
    if not admin_password:
        home = os.environ.get("PB_HOME", "")
        with open(os.path.join(home, "secrets", "admin-password"), encoding="utf-8") as f:
            admin_password = f.read().strip()
    tag = "%x" % (int(datetime.datetime.now().timestamp() * 1000) % 0xFFFFFFFFFF)

    call("GET", "/healthz", expect=200)
    # accounts
    _, owner = call("POST", "/api/v1/auth/register", {"username": "ct_o_" + tag, "password": "Contract-pw-1",
                                                      "role": "owner", "display_name": "Contract owner"}, expect=201)
    call("POST", "/api/v1/auth/register", {"username": "ct_o_" + tag, "password": "Contract-pw-1",
                                           "role": "owner", "display_name": "Again"}, expect=409)
    call("POST", "/api/v1/auth/register", {"username": "x"}, expect=422)
    call("POST", "/api/v1/auth/register", raw=b"{not json", expect=400)
    call("POST", "/api/v1/auth/register", raw=b"username=x", content_type="text/plain", expect=415)
    _, tokens = call("POST", "/api/v1/auth/login", {"username": "ct_o_" + tag, "password": "Contract-pw-1"}, expect=200)
    call("POST", "/api/v1/auth/login", {"username": "ct_o_" + tag, "password": "wrong-password"}, expect=401)
    tok = (tokens or {}).get("access_token")
    call("GET", "/api/v1/users/me", token=tok, expect=200)
    call("GET", "/api/v1/users/me", expect=401)
    call("PATCH", "/api/v1/users/me", {"display_name": "Contract owner 2", "lang": "en"}, token=tok, expect=200)
    call("GET", "/api/v1/users/me/sessions", token=tok, expect=200)
    call("GET", "/api/v1/users/%s" % (owner or {}).get("id", "1"), expect=200)
    call("POST", "/api/v1/auth/refresh", {"refresh_token": (tokens or {}).get("refresh_token", "")}, expect=200)
    # pets
    _, pet = call("POST", "/api/v1/pets", {"name": "Mochi", "species": "cat", "weight_kg": 4.2, "age_years": 3,
                                           "care": {"feeding": "twice a day"}}, token=tok, expect=201)
    pid = (pet or {}).get("id", "1")
    call("GET", "/api/v1/pets", token=tok, expect=200)
    call("GET", "/api/v1/pets?limit=0", token=tok, expect=422)
    call("GET", "/api/v1/pets/" + pid, token=tok, expect=200)
    call("PATCH", "/api/v1/pets/" + pid, {"breed": "British shorthair"}, token=tok, expect=200)
    call("GET", "/api/v1/pets/99999999", token=tok, expect=404)
    call("POST", "/api/v1/pets/%s/vaccinations" % pid, {"name": "rabies", "given_on": "2026-01-05"},
         token=tok, expect=201)
    call("GET", "/api/v1/pets/%s/vaccinations" % pid, token=tok, expect=200)
    # listings, reviews, orders, notifications as an owner sees them
    call("GET", "/api/v1/listings", expect=200)
    call("GET", "/api/v1/listings?limit=500", expect=422)
    call("GET", "/api/v1/listings/99999999", expect=404)
    call("GET", "/api/v1/orders", token=tok, expect=200)
    call("GET", "/api/v1/notifications", token=tok, expect=200)
    call("GET", "/api/v1/notifications/unread-count", token=tok, expect=200)
    call("POST", "/api/v1/notifications/read-all", token=tok, expect=200)
    call("GET", "/api/v1/admin/rules", token=tok, expect=403)
    # a provider and the admin's views
    call("POST", "/api/v1/auth/register", {"username": "ct_p_" + tag, "password": "Contract-pw-1",
                                           "role": "provider", "display_name": "Contract provider"}, expect=201)
    _, ptok = call("POST", "/api/v1/auth/login", {"username": "ct_p_" + tag, "password": "Contract-pw-1"}, expect=200)
    ptok = (ptok or {}).get("access_token")
    call("GET", "/api/v1/providers/me/listings", token=ptok, expect=200)
    call("GET", "/api/v1/providers/me/schedule", token=ptok, expect=200)
    _, adm = call("POST", "/api/v1/auth/login", {"username": admin_user, "password": admin_password}, expect=200)
    atok = (adm or {}).get("access_token")
    call("GET", "/api/v1/admin/reviews-queue?kind=provider", token=atok, expect=200)
    call("GET", "/api/v1/admin/users?q=ct_", token=atok, expect=200)
    call("GET", "/api/v1/admin/audit-log", token=atok, expect=200)
    call("GET", "/api/v1/admin/rules", token=atok, expect=200)
    call("GET", "/api/v1/admin/dashboard", token=atok, expect=200)
    call("GET", "/api/v1/admin/reviews", token=atok, expect=200)
    call("POST", "/api/v1/auth/logout", token=tok, expect=204)

    for v in violations:
        print("  - " + v)
    print("contract: %d answers checked against docs/openapi.yaml, %d violations" % (checked, len(violations)))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
