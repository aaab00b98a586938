# shellcheck shell=bash
# Sourced by scripts/images.sh and scripts/compose.sh: the container engine for `make images`,
# `make compose-up` and `make test-containers`. Podman (Debian's) is the engine: no Docker
# engine is needed. Sets CONTAINERS_CONF to a configuration written for this host:
#   - runc as the OCI runtime: Debian 12's crun (1.8) refuses to start anything on a host with
#     hybrid cgroups (v1 controllers plus a v2 mount), which many VMs and sandboxes have;
#   - default ulimits no higher than this shell's hard limits: rootful podman asks for
#     nofile=1048576 and nproc=4194304, which a host that caps them refuses (setrlimit: EPERM).
# Everything else is podman's default. The file lives in var/podman/ (git-ignored).
pb_podman_env() {
    local repo=$1 dir conf nofile nproc
    command -v podman >/dev/null || {
        echo "podman is not installed: scripts/deps.sh containers (as root) installs it" >&2
        return 1
    }
    dir=$repo/var/podman
    conf=$dir/containers.conf
    mkdir -p "$dir"
    nofile=$(ulimit -Hn)
    [[ $nofile == unlimited || $nofile -gt 1048576 ]] && nofile=1048576
    nproc=$(ulimit -Hu)
    # podman lowers its own process limit to 32768 before it starts the runtime
    [[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
    cat >"$conf.tmp" <<CONF
# written by scripts/podman-env.sh for this host; see the comments there
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
CONF
    mv "$conf.tmp" "$conf"
    export CONTAINERS_CONF=$conf
}
