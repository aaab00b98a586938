#!/usr/bin/env bash
# Install the Debian packages the platform builds and runs with, only those missing.
# A no-op (one dpkg-query call) when everything is present. Never starts daemons.
set -euo pipefail

PACKAGES=(
    mariadb-server mariadb-client libmariadb-dev
    redis-server redis-sentinel libhiredis-dev
    nats-server libnats-dev
    nginx
    libcurl4-openssl-dev libjansson-dev libjwt-dev libsodium-dev libcmocka-dev libmicrohttpd-dev
    zlib1g-dev
    libvips-dev
    # the demo data's photos: drawn as SVG by python3 (scripts/demo/photos.py), turned into
    # JPEGs by the vips command (scripts/seed-demo.sh)
    libvips-tools python3
    pkg-config openssl jq curl wrk sysbench ca-certificates cmake gcc make
)
# `scripts/deps.sh test` adds what only the tests need: Chromium for the browser tests (the
# npm registry's browser downloads are not used), a CJK font so pages render Chinese, and the
# YAML reader of docs/api/merge.py --check (which also validates with openapi-spec-validator
# where Python has it: it is not a Debian package), the JSON Schema validator of
# tests/e2e/contract.py, the static analysers of scripts/lint.sh, and clang with its runtime
# libraries (libFuzzer, the sanitizers) for scripts/fuzz.sh.
if [[ ${1:-} == test ]]; then
    PACKAGES+=(chromium fonts-noto-cjk python3-yaml python3-jsonschema graphviz cppcheck shellcheck clang libclang-rt-dev)
fi
# `scripts/deps.sh docs` (make docs): the diagrams (Graphviz) and the PDFs (pandoc, Chromium)
if [[ ${1:-} == docs ]]; then
    PACKAGES+=(graphviz pandoc chromium fonts-noto-cjk python3)
fi
# `scripts/deps.sh video` (make video): the encoder (ffmpeg, with ffprobe), the optional
# narration (espeak-ng), Chromium for the result cards and the CJK font of the captions
if [[ ${1:-} == video ]]; then
    PACKAGES+=(ffmpeg espeak-ng chromium fonts-noto-cjk)
fi

# `scripts/deps.sh containers` (make images, make compose-up, make test-containers): podman
# with runc (crun 1.8 refuses hosts with hybrid cgroups), buildah, docker-compose (it talks to
# podman's Docker-compatible socket) and debootstrap (the Debian base image)
if [[ ${1:-} == containers ]]; then
    PACKAGES+=(podman buildah runc docker-compose debootstrap uidmap slirp4netns fuse-overlayfs)
fi

command -v dpkg-query >/dev/null || { echo "deps.sh: dpkg-query not found: this script needs Debian/Ubuntu" >&2; exit 1; }

# One query for all packages; unknown packages produce no line (and a message on stderr).
declare -A installed=()
while read -r name status; do
    [[ $status == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for p in "${PACKAGES[@]}"; do
    [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "deps.sh: installing ${missing[*]}"
SUDO=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null; then
        # without a terminal a password prompt would hang: fail instead
        if [[ -t 0 ]]; then SUDO=(sudo); else SUDO=(sudo -n); fi
    else
        echo "deps.sh: missing packages (${missing[*]}) and not root, and sudo is not available;" >&2
        echo "         install them as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

# Packages must not start daemons: on a machine with an init system, a temporary
# policy-rc.d that denies every start does that (ours start them as plain processes).
POLICY=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
    if ((created_policy)); then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [[ ! -e $POLICY ]]; then
    printf '#!/bin/sh\n# temporary, written by petboarding scripts/deps.sh\nexit 101\n' |
        "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    created_policy=1
fi

"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps.sh: done"
