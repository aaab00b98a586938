#!/usr/bin/env bash
# The near cache across instances (part of make test-cluster): both boarding instances hold a
# listing's detail and a search page showing it in memory; the provider changes its price
# through the gateway (served by one of them); then each instance is asked directly, every
# few milliseconds, until it shows the new price. Asserts that both do within
# PB_NEAR_BOUND_MS (default 1000: the tracker's health check is 500 ms) and prints how long
# each took. Needs the cluster's environment (scripts/cluster.sh env) and
# PB_CLUSTER_PORT_BASE; the demo data (PB_DEMO_DATA=1) gives the provider.
set -euo pipefail
B=$PB_CLUSTER_PORT_BASE
GW=http://127.0.0.1:$B
BOUND_MS=${PB_NEAR_BOUND_MS:-1000}
idx=$(grep -E '^[a-z][a-z0-9_]*$' "$(dirname "${BASH_SOURCE[0]}")/../../services.list" | grep -n '^boarding$' | cut -d: -f1)
ports=($((B + idx)) $((B + 10 + idx)))
now_ms() { date +%s%3N; }

token=$(curl -sf "$GW/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"demo_provider_sh\",\"password\":\"${PB_DEMO_PASSWORD:-PetDemo2024}\"}" | jq -r .access_token)
listing=$(curl -sf "$GW/api/v1/providers/me/listings?limit=50" -H "Authorization: Bearer $token" |
    jq -r '[.items[] | select(.status == "published")][0].id')
[[ $listing =~ ^[0-9]+$ ]] || { echo "near-coherence: no published listing of demo_provider_sh" >&2; exit 1; }
price=$(curl -sf "$GW/api/v1/listings/$listing" | jq -r .price_per_night_fen)
new=$((price % 2 == 0 ? price + 100 : price - 100))
search="/api/v1/listings?city=%E4%B8%8A%E6%B5%B7&limit=100"
detail_price() { curl -sf "http://127.0.0.1:$1/api/v1/listings/$listing" | jq -r .price_per_night_fen; }
search_price() { curl -sf "http://127.0.0.1:$1$search" | jq -r --arg id "$listing" '.items[] | select(.id == $id) | .price_per_night_fen'; }

# both instances read it twice: the second read of each is served from its memory
for p in "${ports[@]}"; do
    for _ in 1 2; do
        [[ $(detail_price "$p") == "$price" && $(search_price "$p") == "$price" ]] ||
            { echo "near-coherence: instance :$p does not show the listing at $price before the change" >&2; exit 1; }
    done
done
near_hits() { curl -sf "http://127.0.0.1:$1/metrics" | awk '/result="near_hit"/ { n += $2 } END { print n + 0 }'; }
for p in "${ports[@]}"; do
    (($(near_hits "$p") > 0)) || { echo "near-coherence: instance :$p served nothing from its near cache" >&2; exit 1; }
done

t0=$(now_ms)
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH "$GW/api/v1/listings/$listing" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "{\"price_per_night_fen\":$new}")
[[ $code == 200 ]] || { echo "near-coherence: PATCH answered $code" >&2; exit 1; }
t_write=$(now_ms)
rc=0
for p in "${ports[@]}"; do
    for what in detail search; do
        until [[ $(${what}_price "$p") == "$new" ]]; do
            if (($(now_ms) - t_write > BOUND_MS)); then
                echo "near-coherence: instance :$p still shows the old $what price ${BOUND_MS} ms after the write" >&2
                rc=1
                break
            fi
            sleep 0.005
        done
        echo "    instance :$p $what shows the new price $(($(now_ms) - t_write)) ms after the write returned (write took $((t_write - t0)) ms)"
    done
done
# put the price back (a later run starts from the same data)
curl -s -o /dev/null -X PATCH "$GW/api/v1/listings/$listing" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d "{\"price_per_night_fen\":$price}"
exit "$rc"
