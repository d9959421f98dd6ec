#!/usr/bin/env python3
"""Which API operations each identity may use, read from the role tables the role-matrix test checks
(Tests/ServerTests/SecurityTests.swift `baseRouteRoles` and RouteRoles+*.swift), so the contract run
(api-contract.sh) and the matrix cannot disagree about who may call what.

    api_contract_roles.py ROLE OPENAPI.yaml   -> one "METHOD /path" per line, OpenAPI spelling ({id})

ROLE is admin, security, hr, employee, or door: the door's operations are the agent routes, which the
table gives to no session role (an empty set), plus the two a door shares with admin and security
(challenges, decisions), both declared with the `door` security scheme in the document. Only
operations the document declares are printed (a route missing from the document is the matrix's
finding, not schemathesis's)."""
import glob, os, re, sys
import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
role, document = sys.argv[1], sys.argv[2]

routes = {}
files = [os.path.join(root, "Tests/ServerTests/SecurityTests.swift")] + sorted(glob.glob(os.path.join(root, "Tests/ServerTests/RouteRoles+*.swift")))
for name in files:
    text = open(name, encoding="utf-8").read()
    # Named role sets in the file (`let staff: Set<String> = ["admin", "hr"]`).
    sets = {m.group(1): set(re.findall(r'"(\w+)"', m.group(2)))
            for m in re.finditer(r'let (\w+): Set<String> = \[([^\]]*)\]', text)}
    for m in re.finditer(r'"(GET|POST|PUT|PATCH|DELETE) (/[^"]*)"\s*:\s*(\[[^\]]*\]|\w+)', text):
        method, path, value = m.groups()
        roles = set(re.findall(r'"(\w+)"', value)) if value.startswith("[") else sets.get(value)
        if roles is None:
            sys.exit(f"{name}: {method} {path} names the role set {value}, which is not defined in that file")
        routes[f"{method} " + re.sub(r":(\w+)", r"{\1}", path)] = roles
    # Lists given one set at a time (`for r in [...] { t[r] = clerks }`).
    for m in re.finditer(r'for r in \[(.*?)\] \{ t\[r\] = (\w+) \}', text, re.S):
        for method, path in re.findall(r'"(GET|POST|PUT|PATCH|DELETE) (/[^"]*)"', m.group(1)):
            routes[f"{method} " + re.sub(r":(\w+)", r"{\1}", path)] = sets[m.group(2)]

doc = yaml.safe_load(open(document, encoding="utf-8"))
declared = {}
for path, item in (doc.get("paths") or {}).items():
    for method, op in (item or {}).items():
        if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE") and isinstance(op, dict):
            declared[f"{method.upper()} {path}"] = op

for name in sorted(declared):
    if not name.split(" ", 1)[1].startswith("/api/"):
        continue
    roles = routes.get(name)
    if roles is None:
        continue
    if role == "door":
        schemes = {k for s in (declared[name].get("security") or []) for k in s}
        if "door" in schemes:
            print(name)
    elif role in roles:
        print(name)
