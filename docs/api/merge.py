#!/usr/bin/env python3
"""Merge the per-service OpenAPI fragments (docs/api/*.openapi.yaml: paths and component
schemas) into docs/openapi.yaml, keeping its info, conventions and shared components, and
validate the result. Run after changing a fragment:  python3 docs/api/merge.py"""
import glob
import os
import sys

import yaml

here = os.path.dirname(os.path.abspath(__file__))
main_path = os.path.join(here, "..", "openapi.yaml")
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
with open(main_path, "w") as f:
    f.write("# Generated in part by docs/api/merge.py from docs/api/*.openapi.yaml; edit the fragments\n")
    f.write("# for service endpoints and this file for the shared parts (info, components).\n")
    yaml.safe_dump(doc, f, allow_unicode=True, sort_keys=False, width=110)
try:
    from openapi_spec_validator import validate_spec
    validate_spec(doc)
    print("openapi.yaml: %d paths, valid" % len(doc["paths"]))
except ImportError:
    print("openapi.yaml: %d paths (install python3-openapi-spec-validator to validate)" % len(doc["paths"]))
except Exception as e:  # noqa: BLE001 - report any validation problem
    print("openapi.yaml is not valid: %s" % e)
    sys.exit(1)
