#!/usr/bin/env bash
# Demo data, loaded only through the public API of the gateway (curl + jq, never tables).
# Idempotent: what already exists is left as it is (a registration answering 409 is fine).
#
#   PB_GATEWAY         gateway URL (default http://127.0.0.1:$PB_PORT_BASE)
#   PB_DEMO_PASSWORD   password of every demo account (default below, printed at the end)
#   PB_ADMIN_USER / PB_ADMIN_PASSWORD   the admin (default password: $PB_HOME/secrets/admin-password)
#
# Steps are functions run in order by main(); later steps (pets, listings, approvals by
# the admin) are added as functions using api(), login() and admin_login().
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GATEWAY=${PB_GATEWAY:-http://127.0.0.1:$PB_PORT_BASE}
DEMO_PASSWORD=${PB_DEMO_PASSWORD:-PetDemo2024}

# username | role | display name | phone | email
DEMO_ACCOUNTS=(
    "demo_owner1|owner|王小明|13800000001|demo_owner1@example.com"
    "demo_owner2|owner|李小红|13800000002|demo_owner2@example.com"
    "demo_provider_bj|provider|北京爱宠之家|13900000001|demo_provider_bj@example.com"
    "demo_provider_sh|provider|上海萌宠寄养|13900000002|demo_provider_sh@example.com"
    "demo_provider_cd|provider|成都熊猫宠物旅馆|13900000003|demo_provider_cd@example.com"
)

# access tokens by username, filled by login() for the steps that act as a user
declare -A TOKEN=()

# api METHOD PATH [JSON] [TOKEN]: sets API_STATUS and API_BODY. Waits and retries when the
# gateway rate-limits (429) or a service is briefly unavailable (503), up to 10 times.
api() {
    local method=$1 path=$2 body=${3:-} token=${4:-} out attempt
    local args=(-sS -m 10 -X "$method" -H 'Accept: application/json' -w '\n%{http_code}')
    [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        out=$(curl "${args[@]}" "$GATEWAY$path") || {
            echo "seed: $method $path: the gateway $GATEWAY does not answer" >&2
            return 1
        }
        API_STATUS=${out##*$'\n'}
        API_BODY=${out%$'\n'*}
        [[ $API_STATUS == 429 || $API_STATUS == 503 ]] || return 0
        sleep "0.$attempt"
    done
    return 0
}

fail() { # what
    echo "seed: $1 failed: HTTP $API_STATUS $API_BODY" >&2
    exit 1
}

register() { # username role display_name phone email
    local body
    body=$(jq -nc --arg u "$1" --arg p "$DEMO_PASSWORD" --arg r "$2" --arg d "$3" --arg ph "$4" --arg e "$5" \
        '{username: $u, password: $p, role: $r, display_name: $d, phone: $ph, email: $e}')
    api POST /api/v1/auth/register "$body"
    case $API_STATUS in
        201) echo "    registered $1 ($2, $3)" ;;
        409) echo "    $1 exists" ;;
        *) fail "registering $1" ;;
    esac
}

login() { # username password -> TOKEN[username]
    api POST /api/v1/auth/login "$(jq -nc --arg u "$1" --arg p "$2" '{username: $u, password: $p}')"
    [[ $API_STATUS == 200 ]] || fail "logging in as $1"
    # shellcheck disable=SC2034 # read by the steps that act as a user (pets, listings, approvals)
    TOKEN[$1]=$(jq -r '.access_token' <<<"$API_BODY")
}

admin_login() { # -> TOKEN[$PB_ADMIN_USER]
    local pw=${PB_ADMIN_PASSWORD:-}
    if [[ -z $pw && -s $PB_HOME/secrets/admin-password ]]; then
        pw=$(<"$PB_HOME/secrets/admin-password")
    fi
    [[ -n $pw ]] || { echo "seed: no admin password (PB_ADMIN_PASSWORD or $PB_HOME/secrets/admin-password)" >&2; exit 1; }
    login "$PB_ADMIN_USER" "$pw"
}

seed_accounts() {
    local a u r d ph e
    for a in "${DEMO_ACCOUNTS[@]}"; do
        IFS='|' read -r u r d ph e <<<"$a"
        register "$u" "$r" "$d" "$ph" "$e"
    done
    # prove the accounts work (and have tokens ready for later steps)
    for a in "${DEMO_ACCOUNTS[@]}"; do
        login "${a%%|*}" "$DEMO_PASSWORD"
    done
}

main() {
    command -v jq >/dev/null || { echo "seed: jq is required (scripts/deps.sh installs it)" >&2; exit 1; }
    echo "    loading demo data through $GATEWAY"
    seed_accounts
    echo "    demo accounts: ${DEMO_ACCOUNTS[*]%%|*}"
    echo "    demo password: $DEMO_PASSWORD"
}

main "$@"
