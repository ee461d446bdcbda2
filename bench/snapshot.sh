#!/usr/bin/env bash
# Snapshot, restore and clone of a local tenant through the `tenantdesk` CLI, each against the
# bare tool doing the same job in the same container in the same run:
#   snapshot  vs  docker exec … pg_dump -Fc > file
#   restore   vs  docker exec -i … pg_restore < file   (both into a fresh database: `--as`)
#   in-place restore, which first snapshots the current data, against the same baseline
#   clone     vs  CREATE DATABASE … TEMPLATE
#   undo of a delete (restore as the deleted tenant), in seconds.
# The tenant holds BENCH_MB megabytes (default 500) of rows, made with generate_series.
# Starts what it needs (dockerd, the test image, a keychain session) like scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap stop_started EXIT
prepare_postgres
cargo build -q -p tenantdesk-cli
export BENCH_MB=${BENCH_MB:-500}
with_keychain bash -c '
set -euo pipefail
td=$PWD/target/debug/tenantdesk
work=$(mktemp -d)
export TENANTDESK_SHARED_CONTAINER=td-bench-snapshot TENANTDESK_POSTGRES_PORT=$((20000 + RANDOM % 10000))
export TENANTDESK_DATA_DIR=$work/data TENANTDESK_SYSTEMPROMPT_BIN=/nonexistent
cleanup() { docker rm -f -v "$TENANTDESK_SHARED_CONTAINER" >/dev/null 2>&1 || true; docker volume rm -f "$TENANTDESK_SHARED_CONTAINER-data" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
cd "$work" && $td init >/dev/null
id=$($td --json cloud tenant create --type local --name bench | python3 -c "import json,sys; print(json.load(sys.stdin)[\"tenant\"][\"id\"])")
db=$($td --json cloud tenant show "$id" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"tenant\"][\"database_url\"].rsplit(\"/\",1)[1])")
c=$TENANTDESK_SHARED_CONTAINER
sql() { docker exec "$c" psql -U tenantdesk -d "$1" -qtAc "$2"; }
rows=$((BENCH_MB * 1024 * 1024 / 140))
sql "$db" "CREATE TABLE items(n bigint, a text, b text); INSERT INTO items SELECT g, md5(g::text) || md5((g+1)::text), md5((g*3)::text) FROM generate_series(1, $rows) g"
size=$(sql "$db" "SELECT pg_size_pretty(pg_database_size(current_database()))")
t() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

raw_dump=$(t sh -c "docker exec $c pg_dump -U tenantdesk -d $db -Fc > $work/raw.dump")
snap=$(t "$td" snapshot create "$id")
sid=$($td --json snapshot list "$id" | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"id\"])")
sql postgres "CREATE DATABASE bench_raw_restore"
raw_restore=$(t sh -c "docker exec -i $c pg_restore -U tenantdesk -d bench_raw_restore --no-owner --no-acl < $work/raw.dump")
restore=$(t "$td" snapshot restore "$sid" --as bench-restored)
in_place=$(t "$td" snapshot restore "$sid" --in-place -y)
raw_clone=$(t sql postgres "CREATE DATABASE bench_template TEMPLATE $db")
clone=$(t "$td" cloud tenant clone "$id" --name bench-clone)
# The baseline databases hold objects of the tenant role, which would keep it from being dropped.
sql postgres "DROP DATABASE bench_template"; sql postgres "DROP DATABASE bench_raw_restore"
del=$($td --json cloud tenant delete "$id" -y | python3 -c "import json,sys; print(json.load(sys.stdin)[\"snapshot\"][\"id\"])")
undo=$(t "$td" snapshot restore "$del" --as bench)

echo "tenant database: $size ($rows rows)"
printf "%-10s %10s %10s %8s\n" what tenantdesk baseline ratio
printf "%-10s %9.2fs %9.2fs %7sx\n" snapshot "$snap" "$raw_dump" "$(ratio "$snap" "$raw_dump")"
printf "%-10s %9.2fs %9.2fs %7sx\n" restore "$restore" "$raw_restore" "$(ratio "$restore" "$raw_restore")"
printf "%-10s %9.2fs %9.2fs %7sx\n" in-place "$in_place" "$raw_restore" "$(ratio "$in_place" "$raw_restore")"
printf "%-10s %9.2fs %9.2fs %7sx\n" clone "$clone" "$raw_clone" "$(ratio "$clone" "$raw_clone")"
printf "%-10s %9.2fs\n" undo-delete "$undo"
'
