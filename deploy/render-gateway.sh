#!/usr/bin/env bash
# Render the gateway's nginx configuration for containers from the same sources the local
# stack uses (gateway/nginx.conf.template, gateway/proxy.conf, gateway/routes/*.conf), so the
# routes, limits and JSON errors never drift from what `make test` exercises:
#
#   deploy/render-gateway.sh            write deploy/compose/gateway/{nginx,proxy}.conf and
#                                       deploy/k8s/50-gateway-config.yaml (a ConfigMap)
#   deploy/render-gateway.sh --check    render into a temporary folder and fail if the
#                                       committed files differ (scripts/check-deploy.sh)
#   deploy/render-gateway.sh --to DIR   write DIR/compose/{nginx,proxy}.conf,
#                                       DIR/k8s/{nginx,proxy}.conf and DIR/50-gateway-config.yaml
#                                       (scripts/check-deploy.sh runs nginx -t on them)
#
# What changes from the local rendering (scripts/stack.sh): nginx listens on all interfaces
# (8080), logs go to stdout/stderr, nginx runs as the image's non-root user (petboarding-gateway,
# uid 10001: no `user` directive, the pid file and temp paths in /tmp), the route files are
# inlined (one file less to mount), and the upstreams name containers instead of 127.0.0.1 ports:
#   compose  two servers per service, <service>-1:<port> and <service>-2:<port>, resolved
#            when nginx starts or reloads; plus an internal listener per service on the
#            service's own port (PB_<SERVICE>_URL=http://gateway:<port>), as in
#            scripts/cluster.sh, so service-to-service calls get the same passive health
#            checks and retries as public ones
#   k8s      one server per service, the Service's ClusterIP name (<service>:<port>); the
#            Service spreads connections over ready pods, so no internal listeners
set -euo pipefail
# ${var//pattern/"$value"} must insert the value literally (bash 5.2 would expand & in it)
shopt -u patsub_replacement 2>/dev/null || true
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GW=$REPO/gateway
# the media folder in the gateway and media containers (a shared volume: docs/deploy.md)
MEDIA_DIR=/var/lib/petboarding/media
AUTH_RATE=${PB_AUTH_RATE:-10}
AUTH_BURST=${PB_AUTH_BURST:-50}
SHARE=/usr/share/petboarding
K8S_NAMESPACE=petboarding

die() {
    printf 'render-gateway: error: %s\n' "$*" >&2
    exit 1
}

# the services in port order (service i listens on 8080 + i), as everywhere: services.list
mapfile -t SERVICES < <(grep -E '^[a-z][a-z0-9_]*$' "$REPO/services.list" || true)
((${#SERVICES[@]} > 0)) || die "no service names in $REPO/services.list"

# replace every occurrence of $2 by $3 in the variable named $1; fail when there is none
# (the template changed: this script must be updated with it)
must_replace() {
    local -n t=$1
    [[ $t == *"$2"* ]] || die "gateway/nginx.conf.template no longer contains '$2': update deploy/render-gateway.sh"
    t=${t//"$2"/"$3"}
}

upstreams() { # compose|k8s
    local i s port out=""
    for i in "${!SERVICES[@]}"; do
        s=${SERVICES[$i]}
        port=$((8081 + i))
        if [[ $1 == compose ]]; then
            out+="    # $s: containers $s-1 and $s-2 (deploy/compose/docker-compose.yml). Names are resolved
    # when nginx starts or reloads: reload the gateway after recreating a $s container.
    upstream $s {
        server $s-1:$port max_fails=1 fail_timeout=2s;
        server $s-2:$port max_fails=1 fail_timeout=2s;
        keepalive 64;
        keepalive_timeout 10s; # closed before the service's own 60 s (PB_HTTP_IDLE_TIMEOUT_S)
    }
    # the load-balanced address other services call: PB_${s^^}_URL=http://gateway:$port
    server {
        listen $port;
        access_log /dev/stdout pb_json;
        location / {
            include proxy.conf;
            proxy_pass http://$s;
        }
    }
"
        else
            out+="    # $s: the ClusterIP Service $s (deploy/k8s/40-apps.yaml) spreads connections over the
    # ready pods; with one server, max_fails does not apply (nginx never marks it down).
    upstream $s {
        server $s:$port;
        keepalive 64;
        keepalive_timeout 10s; # closed before the service's own 60 s (PB_HTTP_IDLE_TIMEOUT_S)
    }
"
        fi
    done
    printf '%s' "$out"
}

routes() {
    local s r out=""
    for s in "${SERVICES[@]}"; do
        [[ -f $GW/routes/$s.conf ]] || die "gateway/routes/$s.conf does not exist"
        r=$(<"$GW/routes/$s.conf")
        r=${r//"@@PB_AUTH_BURST@@"/"$AUTH_BURST"}
        r=${r//"@@PB_MEDIA_DIR@@"/"$MEDIA_DIR"}
        # shellcheck disable=SC2001 # indent every non-empty line
        out+="        # ---- gateway/routes/$s.conf
$(sed -e 's/^\(.\)/        \1/' <<<"$r")

"
    done
    printf '%s' "$out"
}

render_nginx() { # compose|k8s -> stdout
    local text
    # the template without its leading comment (it describes the local rendering)
    text=$(sed -e '1,/^[^#]/{/^#/d}' "$GW/nginx.conf.template")
    must_replace text "@@USER_DIRECTIVE@@" "# the master and workers run as the image's user (uid 10001): no user directive"
    must_replace text "pid nginx.pid;" "pid /tmp/nginx.pid;"
    must_replace text "error_log logs/error.log warn;" "error_log /dev/stderr warn;"
    must_replace text "access_log logs/access.log pb_json;" "access_log /dev/stdout pb_json;"
    must_replace text "_temp_path temp/" "_temp_path /tmp/nginx-"
    must_replace text "listen 127.0.0.1:@@PB_PORT_BASE@@;" "listen 8080;"
    must_replace text "@@GATEWAY_LISTEN@@" "        # every interface (the listen above)"
    must_replace text "@@PB_AUTH_RATE@@" "$AUTH_RATE"
    must_replace text "@@PB_HOME@@/nginx/static/" "$SHARE/static/"
    must_replace text "@@PB_REPO@@/docs/" "$SHARE/docs/"
    must_replace text "@@PB_WEB_DIR@@" "$SHARE/web"
    must_replace text "@@UPSTREAMS@@" "$(upstreams "$1")"
    must_replace text "@@ROUTES@@" "$(routes)"
    [[ $text != *@@[A-Z]*@@* ]] ||
        die "gateway/nginx.conf.template has a placeholder this script does not fill: $(grep -o '@@[A-Z_]*@@' <<<"$text" | sort -u | tr '\n' ' ')"
    cat <<EOF
# GENERATED by deploy/render-gateway.sh ($1) from gateway/nginx.conf.template and
# gateway/routes/*.conf: do not edit, edit those and run deploy/render-gateway.sh.
# For the petboarding-gateway image (deploy/infra.Dockerfile): /etc/nginx/nginx.conf, with
# proxy.conf beside it.
EOF
    printf '%s\n' "$text"
}

render_proxy() {
    cat <<EOF
# GENERATED by deploy/render-gateway.sh from gateway/proxy.conf: do not edit.
EOF
    cat "$GW/proxy.conf"
}

render_configmap() { # nginx.conf proxy.conf -> stdout
    cat <<EOF
# GENERATED by deploy/render-gateway.sh from gateway/: do not edit, run the script.
# The gateway's nginx configuration (mounted by deploy/k8s/50-gateway.yaml).
apiVersion: v1
kind: ConfigMap
metadata:
  name: gateway-nginx
  namespace: $K8S_NAMESPACE
  labels:
    app.kubernetes.io/part-of: petboarding
    app.kubernetes.io/component: gateway
    app.kubernetes.io/name: gateway
data:
  nginx.conf: |
$(sed -e 's/^\(.\)/    \1/' "$1")
  proxy.conf: |
$(sed -e 's/^\(.\)/    \1/' "$2")
EOF
}

# everything into DIR: compose/{nginx,proxy}.conf, k8s/{nginx,proxy}.conf and the ConfigMap
render_into() { # DIR
    mkdir -p "$1/compose" "$1/k8s"
    render_nginx compose >"$1/compose/nginx.conf"
    render_nginx k8s >"$1/k8s/nginx.conf"
    render_proxy >"$1/compose/proxy.conf"
    cp "$1/compose/proxy.conf" "$1/k8s/proxy.conf"
    render_configmap "$1/k8s/nginx.conf" "$1/k8s/proxy.conf" >"$1/50-gateway-config.yaml"
}

case ${1:-} in
    "")
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        render_into "$tmp"
        mkdir -p "$REPO/deploy/compose/gateway"
        cp "$tmp/compose/nginx.conf" "$tmp/compose/proxy.conf" "$REPO/deploy/compose/gateway/"
        cp "$tmp/50-gateway-config.yaml" "$REPO/deploy/k8s/50-gateway-config.yaml"
        echo "rendered deploy/compose/gateway/{nginx,proxy}.conf and deploy/k8s/50-gateway-config.yaml"
        ;;
    --to)
        [[ -n ${2:-} ]] || die "usage: deploy/render-gateway.sh --to DIR"
        render_into "$2"
        ;;
    --check)
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        render_into "$tmp"
        rc=0
        for f in nginx.conf proxy.conf; do
            cmp -s "$tmp/compose/$f" "$REPO/deploy/compose/gateway/$f" || {
                echo "deploy/compose/gateway/$f is out of date with gateway/: run deploy/render-gateway.sh" >&2
                rc=1
            }
        done
        cmp -s "$tmp/50-gateway-config.yaml" "$REPO/deploy/k8s/50-gateway-config.yaml" || {
            echo "deploy/k8s/50-gateway-config.yaml is out of date with gateway/: run deploy/render-gateway.sh" >&2
            rc=1
        }
        exit "$rc"
        ;;
    *)
        echo "usage: deploy/render-gateway.sh [--check | --to DIR]" >&2
        exit 2
        ;;
esac
