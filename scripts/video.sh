#!/usr/bin/env bash
# make video: the demonstration video, generated. The frames are the screenshots the browser
# tests save for every step (scripts/browser-test.sh), each with a Chinese caption, plus result
# cards drawn as HTML pages and screenshotted by headless Chromium: a booking storm run at that
# moment against the platform at PB_GATEWAY (many owners' bookings at once for a night of few
# places: never oversold), and the failover test's recorded results. Encoded by ffmpeg (H.264,
# yuv420p, 25 fps) with an optional Chinese narration by espeak-ng. The scenes, in order, are
# docs/demo-scenes.tsv; docs/demo.md shows the same list (`scripts/video.sh check`).
#
#   scripts/video.sh           make the video (needs the platform running at PB_GATEWAY, with
#                              the demo data of scripts/seed-demo.sh)
#   scripts/video.sh table     print the scene table of docs/demo.md from docs/demo-scenes.tsv
#   scripts/video.sh check     fail unless docs/demo.md holds that table (needs no ffmpeg)
#   scripts/video.sh cards     only the result cards (the storm runs), as PNG files beside PB_VIDEO_OUT
#
#   PB_VIDEO_SIZE              WxH of the video (default 1280x720)
#   PB_VIDEO_SCENE_S           seconds a frame is shown (default 3.5; longer when its narration is)
#   PB_VIDEO_OUT               the file written (default build/video/demo.mp4)
#   PB_VIDEO_SHOTS             the screenshots (default $PB_BROWSER_OUT/screenshots, else
#                              build/browser/screenshots)
#   PB_VIDEO_VOICE             1: narrate the captions with espeak-ng; 0: silent (default 1 when
#                              espeak-ng is installed)
#   PB_VIDEO_STORM_N           booking attempts of the storm, all at once (default 30)
#   PB_VIDEO_STORM_CAPACITY    places of the stormed night (default 3)
#   PB_VIDEO_FAILOVER_REPORT   the report of make test-cluster (default /tmp/pb-failover-report.md,
#                              which tests/cluster/run.sh writes; without it the table of
#                              docs/deploy.md is shown, named as such)
#   PB_VIDEO_JOBS              frames drawn at once (default: the number of CPUs)
#   PB_GATEWAY                 the platform (default http://127.0.0.1:$PB_PORT_BASE)
#   PB_DEMO_PASSWORD           password of the demo accounts (default PetDemo2024)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PB_REPO"

SCENES=docs/demo-scenes.tsv
DOC=docs/demo.md

# ---- the scene list: docs/demo-scenes.tsv (source, caption, proves; # comments)

# read_scenes: fills SRC[], CAP[], PROVES[]
read_scenes() {
    SRC=() CAP=() PROVES=()
    local src cap proves extra n=0
    [[ -f $SCENES ]] || pb_die "$SCENES is missing"
    while IFS=$'\t' read -r src cap proves extra; do
        n=$((n + 1))
        [[ -z $src || $src == \#* ]] && continue
        [[ -n $cap && -n $proves && -z ${extra:-} ]] ||
            pb_die "$SCENES:$n: a scene is three tab-separated fields: source, caption, proves"
        [[ $src == card:title || $src == card:storm || $src == card:failover || $src == */*.png ]] ||
            pb_die "$SCENES:$n: unknown source '$src' (folder/file.png, card:title, card:storm or card:failover)"
        SRC+=("$src") CAP+=("$cap") PROVES+=("$proves")
    done <"$SCENES"
    ((${#SRC[@]} > 0)) || pb_die "$SCENES lists no scene"
}

# where a scene's frame comes from, as docs/demo.md says it (backquotes are Markdown's)
# shellcheck disable=SC2016
source_text() {
    case $1 in
        card:title) printf '标题卡（脚本生成的 HTML 页面）' ;;
        card:storm) printf '结果卡：`scripts/video.sh` 当场对 PB_GATEWAY 发起的抢订（见下文）' ;;
        card:failover) printf '结果卡：`make test-cluster` 的结果文件；没有时为 `docs/deploy.md` 记录的结果表（见下文）' ;;
        *) printf '截图 `%s`' "$1" ;;
    esac
}

scene_table() {
    local i
    read_scenes
    printf '| 场景 | 画面（字幕） | 证明了什么 | 来源 |\n|---:|---|---|---|\n'
    for i in "${!SRC[@]}"; do
        printf '| %d | %s | %s | %s |\n' $((i + 1)) "${CAP[i]}" "${PROVES[i]}" "$(source_text "${SRC[i]}")"
    done
}

check_doc() {
    [[ -f $DOC ]] || pb_die "$DOC is missing"
    local want have
    read_scenes
    want=$(scene_table)
    have=$(sed -n '/<!-- scenes:begin -->/,/<!-- scenes:end -->/p' "$DOC" | sed '1d;$d' | sed '/^$/d')
    if [[ $want != "$have" ]]; then
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$have") | head -20 >&2 || true
        pb_die "$DOC's scene table (between <!-- scenes:begin --> and <!-- scenes:end -->) is not $SCENES: print it with scripts/video.sh table"
    fi
    echo "video: $DOC lists the ${#SRC[@]} scenes of $SCENES"
}

case ${1:-} in
    table)
        scene_table
        exit 0
        ;;
    check)
        check_doc
        exit 0
        ;;
    '' | cards) ;;
    *) pb_die "usage: scripts/video.sh [table|check|cards]" ;;
esac

# ---- settings and tools
GW=${PB_GATEWAY:-http://127.0.0.1:$PB_PORT_BASE}
GW=${GW%/}
PASS=${PB_DEMO_PASSWORD:-PetDemo2024}
SIZE=${PB_VIDEO_SIZE:-1280x720}
SCENE_S=${PB_VIDEO_SCENE_S:-3.5}
OUT=$(pb_abspath "${PB_VIDEO_OUT:-build/video/demo.mp4}")
SHOTS=$(pb_abspath "${PB_VIDEO_SHOTS:-${PB_BROWSER_OUT:-build/browser}/screenshots}")
STORM_N=${PB_VIDEO_STORM_N:-30}
STORM_CAP=${PB_VIDEO_STORM_CAPACITY:-3}
FAILOVER_REPORT=${PB_VIDEO_FAILOVER_REPORT:-/tmp/pb-failover-report.md}
FPS=25
JOBS=${PB_VIDEO_JOBS:-$(nproc 2>/dev/null || echo 2)}

[[ $SIZE =~ ^([0-9]+)x([0-9]+)$ ]] || pb_die "PB_VIDEO_SIZE=$SIZE is not WxH (e.g. 1280x720)"
W=${BASH_REMATCH[1]} H=${BASH_REMATCH[2]}
((W >= 160 && H >= 90 && W % 2 == 0 && H % 2 == 0)) || pb_die "PB_VIDEO_SIZE=$SIZE: W and H must be even, at least 160x90"
if ! [[ $SCENE_S =~ ^[0-9]*\.?[0-9]+$ ]] || ! awk -v s="$SCENE_S" 'BEGIN { exit !(s >= 0.04) }'; then
    pb_die "PB_VIDEO_SCENE_S=$SCENE_S is not a number of seconds (at least 0.04)"
fi
if ! [[ $STORM_N =~ ^[0-9]+$ ]] || ((STORM_N < 2 || STORM_N > 100)); then
    pb_die "PB_VIDEO_STORM_N=$STORM_N: 2 to 100"
fi
if ! [[ $STORM_CAP =~ ^[0-9]+$ ]] || ((STORM_CAP < 1 || STORM_CAP >= STORM_N || STORM_CAP > 50)); then
    pb_die "PB_VIDEO_STORM_CAPACITY=$STORM_CAP: 1 to 50 and fewer than PB_VIDEO_STORM_N"
fi

if [[ -z ${PB_VIDEO_VOICE:-} ]]; then
    if command -v espeak-ng >/dev/null; then VOICE=1; else VOICE=0; fi
else
    VOICE=$PB_VIDEO_VOICE
fi
[[ $VOICE == 0 || $VOICE == 1 ]] || pb_die "PB_VIDEO_VOICE=$VOICE: 1 or 0"

# ffmpeg, espeak-ng, Chromium and the CJK font, when missing (Debian packages)
"$PB_REPO/scripts/deps.sh" video || pb_die "scripts/deps.sh video could not install what make video needs"
for tool in ffmpeg ffprobe chromium curl jq; do
    command -v "$tool" >/dev/null || pb_die "$tool is not installed: scripts/deps.sh video installs what make video needs"
done
if ((VOICE)); then
    command -v espeak-ng >/dev/null || pb_die "PB_VIDEO_VOICE=1 but espeak-ng is not installed (scripts/deps.sh video)"
    # Mandarin: cmn, called zh by older espeak-ng
    VOICE_NAME=cmn
    grep -q cmn <<<"$(espeak-ng --voices=cmn)" || VOICE_NAME=zh # not a pipe: grep -q would SIGPIPE the writer
fi
[[ -d $SHOTS ]] || pb_die "no screenshots in $SHOTS: the browser tests write them (make test, or scripts/browser-test.sh against a running stack)"

# the captions' font: Noto Sans CJK SC through fontconfig (the simplified Chinese glyphs of the
# collection), else the collection's file
FONT_OPT=
if command -v fc-list >/dev/null && grep -q 'Noto Sans CJK SC' <<<"$(fc-list ':lang=zh-cn' family)"; then
    FONT_OPT="font='Noto Sans CJK SC'"
else
    for f in "${PB_VIDEO_FONT:-}" /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; do
        if [[ -n $f && -f $f ]]; then
            FONT_OPT="fontfile='$f'"
            break
        fi
    done
fi
[[ -n $FONT_OPT ]] || pb_die "no CJK font for the captions: scripts/deps.sh video installs fonts-noto-cjk"

read_scenes
for src in "${SRC[@]}"; do
    [[ $src == card:* || -f $SHOTS/$src ]] || pb_die "scene frame $SHOTS/$src is missing (listed in $SCENES): run the browser tests first"
done

TMP=$(mktemp -d /tmp/pb-video.XXXXXX)
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
started=$(date +%s)

# ---- the result cards: HTML pages screenshotted by headless Chromium at 1280x720

esc() {
    local s=$1
    s=${s//&/&amp;}
    s=${s//</&lt;}
    s=${s//>/&gt;}
    printf '%s' "$s"
}

CARD_CSS='
* { box-sizing: border-box; }
body { margin: 0; width: 1280px; height: 720px; overflow: hidden; background: #f5f3ef; color: #2b2b2b;
       font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; padding: 34px 64px; }
h1 { font-size: 40px; margin: 0 0 6px; }
.sub { font-size: 21px; color: #6b6b6b; margin-bottom: 22px; }
.stats { display: flex; gap: 22px; margin-bottom: 26px; }
.stat { flex: 1; background: #fff; border-radius: 14px; padding: 18px 22px; border-top: 6px solid #e67e22; }
.stat .n { font-size: 64px; font-weight: 700; line-height: 1.1; }
.stat .l { font-size: 19px; color: #555; white-space: nowrap; }
.ok { color: #2e8b57; } .bad { color: #c0392b; }
.night { background: #fff; border-radius: 14px; padding: 18px 24px; font-size: 24px; margin-bottom: 20px; }
.verdict { font-size: 30px; font-weight: 700; margin-bottom: 16px; }
.src { position: absolute; left: 64px; right: 64px; bottom: 24px; font-size: 16px; color: #6b6b6b; line-height: 1.45; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 17px; }
th, td { padding: 2px 12px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #fbeee2; font-weight: 700; font-size: 16px; padding: 5px 12px; }
.big { font-size: 56px; font-weight: 700; margin: 150px 0 18px; }
'

# card NAME: HTML on stdin → $TMP/card-NAME.html (drawn by draw_card)
card() {
    {
        printf '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>%s</style></head><body>\n' "$CARD_CSS"
        cat
        printf '</body></html>\n'
    } >"$TMP/card-$1.html"
}

# draw_card NAME: $TMP/card-NAME.html → $TMP/card-NAME.png
draw_card() {
    local name=$1 png=$TMP/card-$1.png
    # a profile of its own: neither another card nor another Chromium of the machine is disturbed
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$TMP/chromium-$name" \
        --window-size=1280,720 --screenshot="$png" "file://$TMP/card-$name.html" >"$TMP/chromium-$name.log" 2>&1 || true
    [[ -s $png ]] || {
        tail -n 5 "$TMP/chromium-$name.log" >&2
        pb_die "headless Chromium did not draw the $name card"
    }
}

# run_job COMMAND...: in the background, at most JOBS at once; a failed job fails the script
run_job() {
    while (($(jobs -rp | wc -l) >= JOBS)); do
        wait -n
    done
    "$@" &
}
# wait_jobs: wait for every job; exits with the status of a failed one (which said why)
wait_jobs() {
    local rc
    while :; do
        rc=0
        wait -n || rc=$?
        ((rc == 127)) && return 0 # no job left
        ((rc == 0)) || exit "$rc"
    done
}

title_card() {
    card title <<EOF
<div class="big">宠物寄养平台 · 演示</div>
<div class="sub" style="font-size:28px">服务商、管理员、宠物主人的一次完整寄养（浏览器测试逐步截图），<br>
以及分布式部分的实测：抢订风暴、负载下的故障切换、监控大盘</div>
<div class="src">由 make video（scripts/video.sh）生成于 $(esc "$(date -u -d "@$(($(date -u +%s) + 28800))" '+%Y-%m-%d %H:%M') 北京时间")；
截图：$(esc "${SHOTS#"$PB_REPO"/}")；平台：$(esc "$GW")</div>
EOF
}

# ---- (a) the booking storm, run now against PB_GATEWAY

# api METHOD PATH [TOKEN] [BODY]: sets API_STATUS and API_BODY; retries a 429 or 503
api() {
    local method=$1 path=$2 token=${3:-} body=${4:-} out attempt
    local args=(-sS -m 20 -X "$method" -w '\n%{http_code}')
    [[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
    [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    for attempt in 1 2 3 4 5 6 7 8; do
        out=$(curl "${args[@]}" "$GW$path") || pb_die "$method $path: the gateway $GW does not answer"
        API_STATUS=${out##*$'\n'}
        API_BODY=${out%$'\n'*}
        [[ $API_STATUS == 429 || $API_STATUS == 503 ]] || return 0
        sleep "0.$attempt"
    done
}

# expect CODE WHAT: fail unless the last api call answered CODE
expect() {
    [[ $API_STATUS == "$1" ]] || pb_die "$2: HTTP $API_STATUS: $(head -c 300 <<<"$API_BODY")"
}

login() {
    api POST /api/v1/auth/login "" "$(jq -nc --arg u "$1" --arg p "$2" '{username: $u, password: $p}')"
    [[ $API_STATUS == 200 ]] || return 1
    jq -r .access_token <<<"$API_BODY"
}

# book I: one booking attempt with a key of its own; a 503 is retried with the same key
book() {
    local i=$1 code attempt
    for attempt in 1 2 3 4 5; do
        code=$(curl -s -m 30 -o "$TMP/storm/$i.body" -w '%{http_code}' -X POST "$GW/api/v1/orders" \
            -H "Authorization: Bearer $OWNER" -H 'Content-Type: application/json' \
            -H "Idempotency-Key: video-storm-$STORM_RUN-$i" \
            --data-binary "{\"listing_id\":\"$LISTING\",\"pet_ids\":[\"${PETS[i - 1]}\"],\"start_date\":\"$NIGHT\",\"end_date\":\"$NIGHT_END\",\"note\":\"抢订风暴 $i\"}") || code=000
        [[ $code == 503 ]] || break
        sleep 0.2
    done
    printf '%s\n' "$code" >"$TMP/storm/$i.code"
}

new_pet() {
    api POST /api/v1/pets "$OWNER" "{\"name\":\"风暴$1\",\"species\":\"dog\",\"weight_kg\":8,\"age_years\":2}"
    expect 201 "recording pet $1 of the storm"
    jq -r .id <<<"$API_BODY" >"$TMP/pets/$1"
}

storm() {
    pb_say "booking storm: $STORM_N bookings at once for a night of $STORM_CAP places ($GW)"
    curl -s -m 5 "$GW/healthz" >/dev/null || pb_die "no gateway at $GW: start the platform (make up) or set PB_GATEWAY"
    local provider
    provider=$(login demo_provider_sh "$PASS") ||
        pb_die "the demo provider demo_provider_sh cannot log in at $GW (HTTP $API_STATUS): load the demo data (scripts/seed-demo.sh)"
    # the listing of make demo: demo_provider_sh's last published listing for dogs
    api GET "/api/v1/providers/me/listings?limit=100" "$provider"
    expect 200 "the demo provider's listings"
    LISTING=$(jq -r '[.items[] | select(.status == "published" and ((.species // ["dog"]) | index("dog")))] | last | .id // empty' <<<"$API_BODY")
    [[ -n $LISTING ]] || pb_die "demo_provider_sh has no published listing for dogs (scripts/seed-demo.sh loads one)"
    TITLE=$(jq -r --arg id "$LISTING" '.items[] | select(.id == $id) | .title' <<<"$API_BODY")
    local default_cap
    default_cap=$(jq -r --arg id "$LISTING" '.items[] | select(.id == $id) | .capacity' <<<"$API_BODY")
    # a night far ahead that nobody holds and nobody changed: the storm touches nothing of the
    # demo or of earlier runs, and the night is put back to the listing's capacity afterwards
    api GET "/api/v1/listings/$LISTING/availability?from=$(pb_day 200)&to=$(pb_day 360)"
    expect 200 "the listing's calendar"
    NIGHT=$(jq -r --argjson cap "$default_cap" '(if type == "array" then . else .items end) |
        [.[] | select(.reserved == 0 and (.closed | not) and .capacity == $cap)][0].date // empty' <<<"$API_BODY")
    [[ -n $NIGHT ]] || pb_die "listing $LISTING has no free night 200 to 360 days ahead"
    NIGHT_END=$(date -u -d "$NIGHT + 1 day" +%F)
    api PUT "/api/v1/listings/$LISTING/availability" "$provider" \
        "{\"days\":[{\"date\":\"$NIGHT\",\"capacity\":$STORM_CAP,\"closed\":false}]}"
    expect 200 "setting $NIGHT's capacity"

    # a new owner with one pet per attempt (a pet cannot be in two stays of one night)
    STORM_RUN=$(date +%s)$RANDOM
    local user=video_$STORM_RUN pw i
    pw=Video$(openssl rand -hex 6)2024
    api POST /api/v1/auth/register "" "$(jq -nc --arg u "$user" --arg p "$pw" \
        '{username: $u, password: $p, role: "owner", display_name: "抢订演示"}')"
    expect 201 "registering the storm's owner"
    OWNER=$(login "$user" "$pw") || pb_die "the storm's owner $user cannot log in (HTTP $API_STATUS)"
    mkdir -p "$TMP/pets"
    for ((i = 1; i <= STORM_N; i++)); do
        run_job new_pet "$i"
    done
    wait_jobs
    PETS=()
    for ((i = 1; i <= STORM_N; i++)); do
        [[ -s $TMP/pets/$i ]] || pb_die "pet $i of the storm was not recorded"
        PETS+=("$(cat "$TMP/pets/$i")")
    done

    mkdir -p "$TMP/storm"
    local t0 t1
    t0=$(date +%s%3N)
    for ((i = 1; i <= STORM_N; i++)); do
        book "$i" &
    done
    wait
    t1=$(date +%s%3N)
    STORM_MS=$((t1 - t0))

    OK=0 FULL=0 OTHER=0
    local code other_codes=() ids=()
    for ((i = 1; i <= STORM_N; i++)); do
        code=$(cat "$TMP/storm/$i.code")
        if [[ $code == 201 ]]; then
            OK=$((OK + 1))
            ids+=("$(jq -r .id "$TMP/storm/$i.body")")
        elif [[ $code == 409 && $(jq -r '.error.code // empty' "$TMP/storm/$i.body" 2>/dev/null) == fully_booked ]]; then
            FULL=$((FULL + 1))
        else
            OTHER=$((OTHER + 1))
            other_codes+=("$code")
        fi
    done
    OTHER_TEXT=${other_codes[*]:-}
    api GET "/api/v1/listings/$LISTING/availability?from=$NIGHT&to=$NIGHT"
    expect 200 "the stormed night"
    RESERVED=$(jq -r '(if type == "array" then . else .items end)[0].reserved' <<<"$API_BODY")
    CAPACITY=$(jq -r '(if type == "array" then . else .items end)[0].capacity' <<<"$API_BODY")
    echo "    $STORM_N requested in $STORM_MS ms: $OK booked, $FULL fully_booked, $OTHER other${OTHER_TEXT:+ ($OTHER_TEXT)}; night $NIGHT: $RESERVED of $CAPACITY reserved"

    local verdict
    if ((RESERVED <= CAPACITY && OK == RESERVED && OK + FULL + OTHER == STORM_N)); then
        verdict="<div class=\"verdict ok\">✓ 没有超卖：成功 $OK 单 = 这一晚已预订 $RESERVED ≤ 容量 $CAPACITY</div><div class=\"sub\">其余 $FULL 单得到 409，错误码 fully_booked（已订满）</div>"
    else
        verdict="<div class=\"verdict bad\">✗ 不一致：成功 $OK 单，这一晚已预订 $RESERVED，容量 $CAPACITY</div>"
    fi
    card storm <<EOF
<h1>抢订风暴：$STORM_N 个预订同时抢 $STORM_CAP 个名额</h1>
<div class="sub">一位宠物主人的 $STORM_N 只宠物同时下单：$STORM_N 个并发的 POST /api/v1/orders，各带自己的 Idempotency-Key，共耗时 $STORM_MS 毫秒</div>
<div class="stats">
<div class="stat"><div class="n">$STORM_N</div><div class="l">发出的预订</div></div>
<div class="stat"><div class="n ok">$OK</div><div class="l">成功（201，待支付）</div></div>
<div class="stat"><div class="n">$FULL</div><div class="l">已订满（409）</div></div>
<div class="stat"><div class="n$( ((OTHER > 0)) && printf ' bad')">$OTHER</div><div class="l">其他应答$( ((OTHER > 0)) && printf '（%s）' "$(esc "$OTHER_TEXT")")</div></div>
</div>
<div class="night">房源「$(esc "$TITLE")」$NIGHT 这一晚：已预订 <b>$RESERVED</b> / 容量 <b>$CAPACITY</b>
<div style="color:#6b6b6b;font-size:18px">风暴之后由 GET /api/v1/listings/{id}/availability 读出</div></div>
$verdict
<div class="src">来源：本次运行的实测。scripts/video.sh 于 $(esc "$(date -u -d "@$(($(date -u +%s) + 28800))" '+%Y-%m-%d %H:%M') 北京时间") 对 $(esc "$GW") 发起：
服务商 demo_provider_sh 把这一晚的容量设为 $STORM_CAP，新注册的宠物主人 $(esc "$user") 同时提交 $STORM_N 个预订；之后这些订单被取消，这一晚的容量恢复原样。</div>
EOF
    # the places go back: the owner cancels the storm's orders, the night's capacity is reset
    for i in "${ids[@]}"; do
        curl -s -m 20 -o /dev/null -X POST "$GW/api/v1/orders/$i/cancel" -H "Authorization: Bearer $OWNER" \
            -H "Idempotency-Key: video-storm-cancel-$i" || true
    done
    api PUT "/api/v1/listings/$LISTING/availability" "$provider" "{\"days\":[{\"date\":\"$NIGHT\",\"capacity\":null,\"closed\":false}]}"
    if ((RESERVED > CAPACITY || OK > STORM_CAP)); then
        pb_die "the storm oversold night $NIGHT of listing $LISTING: $OK booked, $RESERVED reserved, capacity $CAPACITY"
    fi
    ((OK == RESERVED && OK + FULL + OTHER == STORM_N)) ||
        echo "warning: the storm's answers do not add up: $OK booked, $FULL fully_booked, $OTHER other${OTHER_TEXT:+ ($OTHER_TEXT)}, $RESERVED reserved" >&2
}

# ---- (b) the failover results: recorded by make test-cluster, else the table of docs/deploy.md

failover_card() {
    local file source rows whole
    if [[ -s $FAILOVER_REPORT ]]; then
        file=$FAILOVER_REPORT
        source="make test-cluster（tests/cluster/run.sh）在本机记录的结果文件 $FAILOVER_REPORT，写于 $(date -u -d "@$(($(stat -c %Y "$file") + 28800))" '+%Y-%m-%d %H:%M') 北京时间"
    else
        file=docs/deploy.md
        local run
        # "Run of <date> <time>Z", wrapped anywhere
        run=$(tr '\n' ' ' <"$file" | grep -o 'Run of *[0-9-]* *[0-9:]*Z' | head -n 1 | tr -s ' ') || true
        source="docs/deploy.md「Failover tests: results」一节记录的 make test-cluster 运行（${run:-日期见该文档}）；本机没有更新的结果文件 $FAILOVER_REPORT"
    fi
    pb_say "failover results from $file"
    # the table's rows: | fault | process killed | down s | rejoined ms | failed GETs | POSTs retried | POSTs failed | requests | last error |
    rows=$(awk -F'|' '
        /^\| fault \| process killed \| down s \|/ { intable = 1; next }
        intable && /^\|---/ { next }
        intable && /^\|/ { for (i = 2; i <= 10; i++) { gsub(/^ +| +$/, "", $i) }
                           printf "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", $3, $4, $5, $9, $6, $7, $8; next }
        intable { exit }' "$file")
    [[ -n $rows ]] || pb_die "no failover table (| fault | process killed | down s | ...) in $file"
    # the first sentence of the paragraph "Whole run: ...", however wrapped, without Markdown
    whole=$(awk '/^Whole run:/ { on = 1 } on && /^$/ { exit } on { printf "%s ", $0 }' "$file" |
        sed -E 's/\*\*|`//g; s/\. .*/./; s/ +$//')
    card failover <<EOF
<h1>负载下 kill -9：每种进程轮流被杀，请求零失败</h1>
<div class="sub" style="margin-bottom:14px">每个服务两个实例的集群（Galera、Redis Sentinel、NATS 集群）持续承受混合负载，每种进程轮流被 kill -9、停约 5 秒、重启并重新加入</div>
<table>
<tr><th>被杀的进程</th><th>停机 秒</th><th>重启后重新加入 毫秒</th><th>窗口内请求</th><th>失败的 GET</th><th>重试的 POST（503，同一 key）</th><th>最终失败的 POST</th></tr>
$rows
</table>
<div class="sub" style="margin-top:10px;font-size:17px">原文：$(esc "$whole")</div>
<div class="src">来源：$(esc "$source")。表中每个数字都取自该文件，未作改动。</div>
EOF
}

# ---- one frame per scene: the screenshot (top of a tall page) or the card, fitted above a
# caption band on a neutral background

M=$((H * 2 / 100)) BAND=$((H * 14 / 100))
BOXW=$((W - 2 * M)) BOXH=$((H - BAND - 2 * M))
FS1=$((H * 42 / 1000)) FS2=$((H * 27 / 1000))
((FS1 >= 6)) || FS1=6
((FS2 >= 5)) || FS2=5
BG=0x3a3d42

frame() {
    local src=$1 i=$2 out=$3 crop
    printf '%s' "${CAP[i]}" >"$TMP/cap-$i.txt"
    printf '%s' "${PROVES[i]}" >"$TMP/proves-$i.txt"
    # desktop pages: the top 16:9 of the page; phone pages (narrow): the top 9:16
    crop="crop=iw:'min(ih,if(lt(iw,800),iw*16/9,iw*9/16))':0:0"
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$src" -frames:v 1 -vf "$crop,
scale=$BOXW:$BOXH:force_original_aspect_ratio=decrease:flags=lanczos,
pad=$W:$H:(ow-iw)/2:$M+($BOXH-ih)/2:color=$BG,
drawbox=x=0:y=$((H - BAND)):w=$W:h=$BAND:color=0x202326:t=fill,
drawtext=$FONT_OPT:textfile='$TMP/cap-$i.txt':expansion=none:fontcolor=white:fontsize=$FS1:x=(w-text_w)/2:y=$((H - BAND + BAND * 14 / 100)),
drawtext=$FONT_OPT:textfile='$TMP/proves-$i.txt':expansion=none:fontcolor=0xf0b27a:fontsize=$FS2:x=(w-text_w)/2:y=$((H - BAND + BAND * 60 / 100)),
drawtext=$FONT_OPT:text='$((i + 1))/${#SRC[@]}':fontcolor=0x9aa0a6:fontsize=$FS2:x=w-text_w-$M:y=$((H - BAND + BAND * 60 / 100))" \
        "$out" || pb_die "ffmpeg could not draw scene $((i + 1)) ($src)"
}

# narration of a caption: 【角色】 is read as "角色："
speak() {
    local text=$1 out=$2
    text=${text//【/}
    text=${text//】/：}
    espeak-ng -v "$VOICE_NAME" -s 210 -w "$out" "$text" || pb_die "espeak-ng could not speak: $text"
}

# the length of espeak-ng's WAV file (a 44-byte header, then 16-bit samples at its byte rate)
wav_seconds() {
    local rate
    rate=$(od -An -t u4 -j 28 -N 4 "$1" | tr -d ' ')
    awk -v n="$(stat -c %s "$1")" -v r="$rate" 'BEGIN { printf "%.3f", (r > 0 ? (n - 44) / r : 0) }'
}

duration_of() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }

# ---- the run

pb_say "video ${W}x$H, ${SCENE_S} s a scene, narration $( ((VOICE)) && echo on || echo off), ${#SRC[@]} scenes from $SCENES"
# the cards' pages first (the storm runs alone: nothing else loads the machine meanwhile)
for i in "${!SRC[@]}"; do
    case ${SRC[i]} in
        card:title) title_card ;;
        card:storm) storm ;;
        card:failover) failover_card ;;
    esac
done

# scene_job I: the frame of scene I, its narration, and its length in frames ($TMP/frames-I)
scene_job() {
    local i=$1 src=${SRC[$1]} seconds=$SCENE_S frames d
    if [[ $src == card:* ]]; then src=$TMP/card-${src#card:}.png; else src=$SHOTS/$src; fi
    frame "$src" "$i" "$TMP/scene-$i.png"
    if ((VOICE)); then
        speak "${CAP[i]}" "$TMP/voice-$i.wav"
        seconds=$(awk -v s="$SCENE_S" -v v="$(wav_seconds "$TMP/voice-$i.wav")" 'BEGIN { v += 0.4; print (v > s ? v : s) }')
    fi
    # whole frames, so that picture and sound stay together
    frames=$(awk -v s="$seconds" -v f=$FPS 'BEGIN { n = int(s * f + 0.999); print (n < 1 ? 1 : n) }')
    d=$(awk -v n="$frames" -v f=$FPS 'BEGIN { printf "%.3f", n / f }')
    printf '%s %s\n' "$frames" "$d" >"$TMP/frames-$i"
}

if [[ ${1:-} == cards ]]; then
    mkdir -p "$(dirname "$OUT")/cards"
    for i in "${!SRC[@]}"; do
        [[ ${SRC[i]} == card:* ]] && run_job draw_card "${SRC[i]#card:}"
    done
    wait_jobs
    cp "$TMP"/card-*.png "$(dirname "$OUT")/cards/"
    pb_say "the cards are in $(dirname "$OUT")/cards/"
    exit 0
fi

pb_say "frames ($JOBS at a time)"
for i in "${!SRC[@]}"; do
    if [[ ${SRC[i]} == card:* ]]; then run_job draw_card "${SRC[i]#card:}"; else run_job scene_job "$i"; fi
done
wait_jobs
for i in "${!SRC[@]}"; do
    [[ ${SRC[i]} == card:* ]] && run_job scene_job "$i"
done
wait_jobs

: >"$TMP/video.txt"
: >"$TMP/audio.txt"
total_frames=0
for i in "${!SRC[@]}"; do
    [[ -s $TMP/frames-$i && -s $TMP/scene-$i.png ]] || pb_die "scene $((i + 1)) was not drawn"
    read -r frames d <"$TMP/frames-$i"
    total_frames=$((total_frames + frames))
    printf "file '%s'\nduration %s\n" "$TMP/scene-$i.png" "$d" >>"$TMP/video.txt"
    # the narration's file lasts as long as its scene: the encoder fills the rest with silence
    if ((VOICE)); then printf "file '%s'\nduration %s\n" "$TMP/voice-$i.wav" "$d" >>"$TMP/audio.txt"; fi
done
# the concat demuxer shows the last image only when it is listed once more
printf "file '%s'\n" "$TMP/scene-$((${#SRC[@]} - 1)).png" >>"$TMP/video.txt"

pb_say "encoding $total_frames frames ($(awk -v n=$total_frames -v f=$FPS 'BEGIN { printf "%.1f", n / f }') s)"
mkdir -p "$(dirname "$OUT")"
inputs=(-f concat -safe 0 -i "$TMP/video.txt")
maps=(-map 0:v)
audio=()
if ((VOICE)); then
    inputs+=(-f concat -safe 0 -i "$TMP/audio.txt")
    maps+=(-map 1:a)
    audio=(-af "aresample=async=1:first_pts=0,apad" -c:a aac -b:a 96k)
fi
ffmpeg -nostdin -hide_banner -loglevel error -y "${inputs[@]}" "${maps[@]}" \
    -vf "fps=$FPS,format=yuv420p" -frames:v "$total_frames" -t "$(awk -v n=$total_frames -v f=$FPS 'BEGIN { printf "%.3f", n / f }')" \
    -c:v libx264 -preset veryfast -tune stillimage -crf 21 -r $FPS "${audio[@]}" -movflags +faststart \
    "$TMP/out.mp4" || pb_die "ffmpeg could not encode the video"
mv -f "$TMP/out.mp4" "$OUT"
pb_say "wrote $OUT ($(duration_of "$OUT") s, $(du -h "$OUT" | cut -f1)) in $(($(date +%s) - started)) s"
