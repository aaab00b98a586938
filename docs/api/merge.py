#!/usr/bin/env python3
"""Merge the per-service OpenAPI fragments (docs/api/*.openapi.yaml: paths and component
schemas) into docs/openapi.yaml, keeping its info, conventions and shared components, and
validate the result. Then validate docs/internal.openapi.yaml (the service-to-service API,
written by hand and never rewritten here): OpenAPI validity, and that it documents exactly the
/internal/v1 routes registered in services/*/routes.c. Exits 1 on any problem.
Run after changing a fragment or an internal route:  python3 docs/api/merge.py"""
import glob
import os
import re
import sys

import yaml

try:
    from openapi_spec_validator import validate_spec
except ImportError:
    validate_spec = None

here = os.path.dirname(os.path.abspath(__file__))
main_path = os.path.join(here, "..", "openapi.yaml")
internal_path = os.path.join(here, "..", "internal.openapi.yaml")
services_dir = os.path.join(here, "..", "..", "services")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
doc = yaml.safe_load(open(main_path))
tags = {t["name"] for t in doc.get("tags", [])}
for frag_path in sorted(glob.glob(os.path.join(here, "*.openapi.yaml"))):
    frag = yaml.safe_load(open(frag_path))
    for path, item in (frag.get("paths") or {}).items():
        doc["paths"][path] = item
        for op in item.values():
            for t in (op.get("tags") or []) if isinstance(op, dict) else []:
                if t not in tags:
                    doc.setdefault("tags", []).append({"name": t})
                    tags.add(t)
    for name, schema in ((frag.get("components") or {}).get("schemas") or {}).items():
        doc["components"]["schemas"][name] = schema
merged = (
    "# Generated in part by docs/api/merge.py from docs/api/*.openapi.yaml; edit the fragments\n"
    "# for service endpoints and this file for the shared parts (info, components).\n"
    + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
)
if "--check" in sys.argv[1:]:
    # make test: the committed file must be what the fragments make (nothing edited by hand in
    # a generated part, no fragment forgotten)
    if open(main_path, encoding="utf-8").read() != merged:
        print("openapi.yaml is not what docs/api/*.openapi.yaml make: run python3 docs/api/merge.py and commit it")
        sys.exit(1)
else:
    with open(main_path, "w", encoding="utf-8") as f:
        f.write(merged)


def spec_problem(spec):
    """The OpenAPI validator's complaint about spec, None when it is valid (or not installed)."""
    if validate_spec is None:
        return None
    try:
        validate_spec(spec)
    except Exception as e:  # noqa: BLE001 - report any validation problem
        # some messages quote the whole document: keep their first line, and say where
        lines = (getattr(e, "message", None) or str(e) or type(e).__name__).splitlines()
        msg = lines[0] if len(lines[0]) <= 300 else lines[0][:300] + "..."
        where = "/".join(str(p) for p in getattr(e, "path", None) or [])
        return msg + (" (at %s)" % where if where else "")
    return None


def report(name, spec, problems):
    """Print the verdict on one document; True when it has no problem."""
    if problems:
        print("%s is not valid:" % name)
        for p in problems:
            print("  - %s" % p)
        return False
    how = "valid" if validate_spec else "(install python3-openapi-spec-validator to validate)"
    print("%s: %d paths, %s" % (name, len(spec["paths"]), how))
    return True


ok = report("openapi.yaml", doc, [p for p in [spec_problem(doc)] if p])


# ---------- the internal API ----------

def code_routes():
    """(METHOD, pattern) of every svc_route(..., "/internal/v1/...") in services/*/routes.c."""
    found = set()
    pat = re.compile(r'svc_route\(\s*\w+\s*,\s*"([A-Z]+)"\s*,\s*"(/internal/v1/[^"]*)"')
    for path in sorted(glob.glob(os.path.join(services_dir, "*", "routes.c"))):
        with open(path) as f:
            found.update(pat.findall(f.read()))
    return found


def route_serves(pattern, path):
    """Whether the router's pattern serves the documented path: the same segments, where a
    {parameter} of the pattern takes any segment and a literal of the pattern only itself."""
    rs, ds = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(rs) == len(ds) and all(r.startswith("{") or r == d for r, d in zip(rs, ds))


def internal_problems(spec):
    """What is wrong with the internal document: OpenAPI validity, then its match with the code."""
    problems = [p for p in [spec_problem(spec)] if p]
    paths = spec.get("paths") or {}
    ops, op_ids = [], {}
    for path, item in paths.items():
        if not path.startswith("/internal/v1/"):
            problems.append("%s: every path must be under /internal/v1/" % path)
        for method in METHODS:
            op = (item or {}).get(method)
            if op is None:
                continue
            ops.append((method.upper(), path))
            where = "%s %s" % (method.upper(), path)
            if not op.get("operationId"):
                problems.append("%s has no operationId" % where)
            elif op["operationId"] in op_ids:
                problems.append("%s repeats the operationId of %s" % (where, op_ids[op["operationId"]]))
            else:
                op_ids[op["operationId"]] = where
            if not op.get("tags"):
                problems.append("%s has no tag" % where)
            if not op.get("responses", {}).get("403"):
                problems.append("%s does not document the 403 of a missing or wrong token" % where)
    if not spec.get("security"):
        problems.append("no global security requirement (the X-Internal-Token apiKey)")
    routes = code_routes()
    if not routes:
        problems.append("no /internal/v1 route found in services/*/routes.c")
    for method, pattern in sorted(routes):
        if not any(m == method and route_serves(pattern, p) for m, p in ops):
            problems.append("route %s %s (services/*/routes.c) is not documented" % (method, pattern))
    for method, path in ops:
        if not any(m == method and route_serves(r, path) for m, r in routes):
            problems.append("%s %s is documented but no service routes it" % (method, path))
    return problems


try:
    with open(internal_path) as f:
        internal = yaml.safe_load(f)
    if not isinstance(internal, dict) or not isinstance(internal.get("paths"), dict):
        raise ValueError("not an OpenAPI document with paths")
except (OSError, yaml.YAMLError, ValueError) as e:
    print("internal.openapi.yaml cannot be read: %s" % e)
    sys.exit(1)
ok = report("internal.openapi.yaml", internal, internal_problems(internal)) and ok
sys.exit(0 if ok else 1)
