#!/usr/bin/env bash
# Build the platform's container images with podman, from Debian's packages only (no Docker
# Hub): `make images`.
#
#   scripts/images.sh            build every image (the base only when it is missing)
#   scripts/images.sh --base     rebuild the Debian base image as well
#
# 1. localhost/pb-debian:bookworm: a Debian 12 root file system made by debootstrap (variant
#    minbase) from Debian's mirror, without documentation, man pages and locales, imported
#    with `podman import`. It is the FROM of every image below.
# 2. petboarding (deploy/Dockerfile, target runtime): the services, pb-stream and the one-shot
#    tools; petboarding-media (target media): the same with libvips, for pb-media.
# 3. petboarding-gateway, -mariadb, -redis, -nats, -prometheus (deploy/infra.Dockerfile, one
#    target each): nginx with the web app and the API documents, MariaDB with Galera, Redis
#    and Sentinel, the NATS server, Prometheus; all from Debian 12's packages.
# The web app is built first (scripts/web.sh build: Node.js from the host) and copied into the
# gateway image. Ends with a table of the images' sizes.
#
#   PB_IMAGE_TAG (latest)   the tag of the project's images
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# podman, buildah, debootstrap, docker-compose (a no-op when present; needs root otherwise)
if [[ $(id -u) == 0 ]]; then
    scripts/deps.sh containers
fi
# shellcheck source=scripts/podman-env.sh
source scripts/podman-env.sh
pb_podman_env "$REPO"

TAG=${PB_IMAGE_TAG:-latest}
BASE=localhost/pb-debian:bookworm
MIRROR=${PB_DEBIAN_MIRROR:-http://deb.debian.org/debian}

build_base() {
    local root
    command -v debootstrap >/dev/null || {
        echo "debootstrap is not installed: scripts/deps.sh containers (as root) installs it" >&2
        exit 1
    }
    root=$(mktemp -d /tmp/pb-rootfs.XXXXXX)
    # shellcheck disable=SC2064 # the folder is known now
    trap "rm -rf '$root'" EXIT
    echo "==> debootstrap bookworm (minbase) from $MIRROR"
    debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.log" 2>&1 || {
        tail -n 20 "$root.log" >&2
        exit 1
    }
    rm -f "$root.log"
    # what a container never reads; and dpkg is told not to bring it back (as Docker's
    # debian:bookworm-slim does)
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90pb-no-recommends"
    # no package cache in any layer: apt-get update would leave ~80 MB of /var/cache/apt/*.bin
    # (the same settings as Docker Hub's debian images)
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
    # debootstrap writes the release alone: the images get Debian's updates and security fixes
    cat >"$root/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${PB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
SRC
    echo "==> podman import -> $BASE"
    tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null
    rm -rf "$root"
    trap - EXIT
}

if [[ ${1:-} == --base ]] || ! podman image exists "$BASE"; then
    build_base
fi

# --format docker: the OCI image format has no HEALTHCHECK (podman would drop it)
args=(--format docker --build-arg "DEBIAN_IMAGE=$BASE" --build-arg "DEBIAN_SLIM_IMAGE=$BASE" --layers)
echo "==> petboarding:$TAG (deploy/Dockerfile, target runtime)"
podman build "${args[@]}" -f deploy/Dockerfile --target runtime -t "petboarding:$TAG" .
echo "==> petboarding-media:$TAG (deploy/Dockerfile, target media: runtime + libvips)"
podman build "${args[@]}" -f deploy/Dockerfile --target media -t "petboarding-media:$TAG" .

echo "==> the web app (scripts/web.sh build)"
scripts/web.sh build
for target in gateway mariadb redis nats prometheus; do
    echo "==> petboarding-$target:$TAG (deploy/infra.Dockerfile, target $target)"
    podman build "${args[@]}" -f deploy/infra.Dockerfile --target "$target" -t "petboarding-$target:$TAG" .
done

echo
printf '%-34s %10s\n' IMAGE SIZE
for name in pb-debian:bookworm petboarding petboarding-media petboarding-gateway petboarding-mariadb petboarding-redis \
    petboarding-nats petboarding-prometheus; do
    [[ $name == *:* ]] || name=$name:$TAG
    printf '%-34s %10s\n' "$name" "$(podman image inspect --format '{{.Size}}' "localhost/$name" |
        awk '{printf "%.1f MB", $1 / 1e6}')"
done
