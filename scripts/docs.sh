#!/usr/bin/env bash
# `make docs`: the diagrams and the PDFs of the Chinese documents, all from sources in docs/.
#   scripts/docs.sh            render docs/diagrams/*.dot to SVG and PNG (committed beside their
#                              sources) and docs/{report,manual.zh,deploy.zh}.md to PDFs in
#                              build/docs/ (pandoc → self-contained HTML → headless Chromium)
#   scripts/docs.sh check      fail when a committed SVG is not what its source renders to
# Installs what it needs (Debian: graphviz, pandoc, chromium, fonts-noto-cjk) when run as root.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIAGRAMS=$REPO/docs/diagrams
OUT=${PB_DOCS_OUT:-$REPO/build/docs}

# the check needs Graphviz only (scripts/deps.sh test installs it); the PDFs need the rest
if [[ ${1:-} == check ]]; then
    command -v dot >/dev/null || "$REPO/scripts/deps.sh" test
else
    "$REPO/scripts/deps.sh" docs
fi

# saga.dot is written by saga.py (a sequence diagram drawn with Graphviz)
python3 "$DIAGRAMS/saga.py"

render() { # dot-file out-dir
    local name
    name=$(basename "$1" .dot)
    dot -Tsvg "$1" -o "$2/$name.svg"
    dot -Tpng -Gdpi=110 "$1" -o "$2/$name.png"
}

if [[ ${1:-} == check ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    stale=0
    for f in "$DIAGRAMS"/*.dot; do
        render "$f" "$tmp"
        name=$(basename "$f" .dot)
        if ! cmp -s "$tmp/$name.svg" "$DIAGRAMS/$name.svg"; then
            echo "docs: docs/diagrams/$name.svg is not what $name.dot renders to: run make docs" >&2
            stale=1
        fi
    done
    if ! git -C "$REPO" diff --quiet -- docs/diagrams/saga.dot 2>/dev/null; then
        echo "docs: docs/diagrams/saga.dot differs from what saga.py writes: run make docs" >&2
        stale=1
    fi
    ((stale == 0)) && echo "docs: the diagrams are up to date with their sources"
    exit "$stale"
fi

for f in "$DIAGRAMS"/*.dot; do
    render "$f" "$DIAGRAMS"
done
echo "docs: rendered $(find "$DIAGRAMS" -name '*.dot' | wc -l) diagrams in docs/diagrams/ (SVG and PNG)"

mkdir -p "$OUT"
for doc in report manual.zh deploy.zh; do
    src=$REPO/docs/$doc.md
    [[ -f $src ]] || continue
    # images are relative to docs/: pandoc embeds them (--embed-resources) from there
    (cd "$REPO/docs" && pandoc "$doc.md" --quiet --from gfm --to html5 --standalone --self-contained \
        --toc --toc-depth=2 --metadata pagetitle="$(head -n 1 "$doc.md" | sed "s/^# *//")" \
        --metadata lang=zh-CN --css pdf/style.css -o "$OUT/$doc.html")
    chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
        --print-to-pdf="$OUT/$doc.pdf" "file://$OUT/$doc.html" >/dev/null 2>&1
    [[ -s $OUT/$doc.pdf ]] || { echo "docs: Chromium wrote no PDF for docs/$doc.md" >&2; exit 1; }
    echo "docs: $OUT/$doc.pdf ($(du -k "$OUT/$doc.pdf" | cut -f1) KB)"
done
