#!/usr/bin/env python3
"""The documents' hygiene, checked by make test: README.md and docs/**/*.md
 - stand alone: no path outside the repository (../something), no development-process words
   (issue numbers, tickets, work notes);
 - name only what exists: every `snake_case` name in backquotes (a table, a column, a metric,
   a setting, a test) occurs in the code, the migrations, the scripts or the API documents,
   and every endpoint named with its method (GET /api/v1/...) is a path of docs/openapi.yaml
   or docs/internal.openapi.yaml.
Exit status 1 with one line per finding."""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# names the documents quote from other programs' configuration or APIs, not from this code
EXTERNAL = {
    'notify_master',  # keepalived's hook (docs/deploy.md)
    'no_wait',        # a JetStream pull request option (docs/benchmarks.md)
}
# names the code builds at run time from a prefix
PREFIXES = ('pb_job_leader_',)
FORBIDDEN = [
    (re.compile(r'(?<![.\w])\.\./[A-Za-z]'), 'a path outside the repository'),
    (re.compile(r'\b[Ii]ssue\s*#?\d+'), 'an issue number'),
    (re.compile(r'\b(work(ing)? notes?|TODO|FIXME|ticket #?\d+)\b', re.I), 'a development-process note'),
]
CODE = ('services/', 'lib/', 'db/', 'scripts/', 'tests/', 'web/src/', 'web/tests/', 'web/build/', 'deploy/',
        'gateway/', 'tools/', 'bench/', 'docs/api/', 'docs/diagrams/')
CODE_FILES = ('CMakeLists.txt', 'Makefile', 'docs/openapi.yaml', 'docs/internal.openapi.yaml')
NAME = re.compile(r'`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`')
ENDPOINT = re.compile(r'\b(GET|POST|PUT|PATCH|DELETE) (/(?:api|internal)/v1/[A-Za-z0-9_{}/.-]*[A-Za-z0-9_}])')
PATH = re.compile(r'^  (/[^:\s]+):\s*$', re.M)


def tracked():
    out = subprocess.run(['git', '-C', REPO, 'ls-files', '-co', '--exclude-standard'],
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.split('\n') if f and os.path.isfile(os.path.join(REPO, f))]


def read(f):
    with open(os.path.join(REPO, f), encoding='utf-8', errors='replace') as h:
        return h.read()


def shape(path):
    # /api/v1/orders/{id}/cancel and /api/v1/orders/{order_id}/cancel are the same path
    return re.sub(r'\{[^}]*\}', '{}', path.rstrip('/'))


def main():
    files = tracked()
    docs = [f for f in files if f.endswith('.md') and (f == 'README.md' or f.startswith('docs/'))]
    code = [f for f in files if (f.startswith(CODE) or f in CODE_FILES)
            and not f.endswith(('.png', '.jpg', '.svg', '.json', '.md'))]
    corpus = '\n'.join(read(f) for f in code) + '\n' + '\n'.join(os.path.basename(f) for f in files)
    paths = {shape(p) for f in ('docs/openapi.yaml', 'docs/internal.openapi.yaml') for p in PATH.findall(read(f))}
    problems = []
    for d in docs:
        text = read(d)
        for n, line in enumerate(text.split('\n'), 1):
            for rx, what in FORBIDDEN:
                m = rx.search(line)
                if m:
                    problems.append(f'{d}:{n}: {what}: "{m.group(0)}"')
        for m in NAME.finditer(text):
            name = m.group(1)
            if name in EXTERNAL or name.startswith(PREFIXES) or name in corpus:
                continue
            n = text.count('\n', 0, m.start()) + 1
            problems.append(f'{d}:{n}: `{name}` occurs nowhere in the code, migrations, scripts or API documents')
        for m in ENDPOINT.finditer(text):
            if shape(m.group(2)) not in paths:
                n = text.count('\n', 0, m.start()) + 1
                problems.append(f'{d}:{n}: {m.group(1)} {m.group(2)} is not a path of the OpenAPI documents')
    for p in problems:
        print(p)
    if problems:
        print(f'check-docs: {len(problems)} finding(s) in {len(docs)} documents', file=sys.stderr)
        return 1
    print(f'check-docs: {len(docs)} documents name only what exists and stand alone')
    return 0


if __name__ == '__main__':
    sys.exit(main())
