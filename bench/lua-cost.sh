#!/usr/bin/env bash
# Exact instructions per task of the hot path's Lua (bench/lua-cost.ts) on a redis-server
# run under valgrind's callgrind: deterministic to ~0.01%, so two versions of a script can
# be compared where timings on a shared VM cannot. Needs valgrind (apt-get install valgrind).
#
#   bash bench/lua-cost.sh [tasks=2000] [batch=10] [until=create|claim]   # REDIS_SERVER=/path/to/redis-server to pick one
#
# Prints the phase table of lua-cost.ts (timings under valgrind are ~50x slow: ignore them)
# and `instructions per task` over create + claim + complete. The callgrind profile stays
# in $OUT (default /tmp/kanban-lua-cost.out) for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=${1:-2000}
BATCH=${2:-10}
UNTIL=${3:+--until $3}
OUT=${OUT:-/tmp/kanban-lua-cost.out}
PORT=$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')
rm -f "$OUT"
valgrind --tool=callgrind --callgrind-out-file="$OUT" "${REDIS_SERVER:-redis-server}" \
  --port "$PORT" --save '' --appendonly no >/dev/null 2>&1 &
VG=$!
for _ in $(seq 1 150); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
npx tsx bench/lua-cost.ts --url "redis://127.0.0.1:$PORT" --tasks "$TASKS" --batch "$BATCH" --reps 1 $UNTIL
redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
wait "$VG" || true
TOTAL=$(callgrind_annotate "$OUT" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "instructions per task (create + claim + complete, batches of $BATCH): $((TOTAL / TASKS))"
