# Scenario "users": the cached profile and login, against nginx answering a static body of the
# same size through the same gateway.
# shellcheck shell=bash
echo "==> users: preparing" >&2
name="bench$(date +%s)"
token=$(bench_user "$name" owner)
[[ -n $token && $token != null ]] || { echo "could not log in the bench user" >&2; exit 1; }
me=$(api GET /api/v1/users/me "$token")
# the static reference: the very bytes /users/me returns, served by nginx from a file
printf '%s' "$me" >"$PB_HOME/nginx/static/bench.json"
size=${#me}
echo "    /users/me body: $size bytes" >&2
C=$PB_BENCH_CONNECTIONS

run_wrk "nginx static body ($size B, reference)" "$C" "$GW/bench/static"
WRK_HEADER_AUTH=$token run_wrk "GET /api/v1/users/me (cached profile)" "$C" "$GW/api/v1/users/me"
export WRK_HEADER_AUTH=
uid=$(jq -r .id <<<"$me")
run_wrk "GET /api/v1/users/{id} (public, cached)" "$C" "$GW/api/v1/users/$uid"
# login hashes with Argon2id (64 MiB, 2 passes): CPU and memory bound by design
WRK_METHOD=POST WRK_BODY="{\"username\":\"$name\",\"password\":\"bench-password-1\"}" \
    run_wrk "POST /api/v1/auth/login (Argon2id)" 8 "$GW/api/v1/auth/login"
print_table "users: profile and login through the gateway"
# the cost the user service pays per login, alone on one core (tools/pb-pwhash-cost)
read -r _ ops mem cost < <("$REPO/build/release/bin/pb-pwhash-cost" 10)
echo
echo "Argon2id as the user service hashes (${ops}, ${mem}; OWASP's minimum: m=19 MiB, t=2, p=1):"
echo "${cost#ms_per_hash=} ms per hash on one core (median of 10, measured in this run)."
