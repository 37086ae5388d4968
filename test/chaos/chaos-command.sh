#!/bin/sh
# Chaos fixture: the subprocess handler of the command lane (docs/handler-protocol.md), run
# by the product's worker entrypoint once per task. Sleeps a little (so the harness can
# SIGKILL it mid-run), reports completion through the CLI and, when the CLI says it was
# acknowledged (exit 0), appends "<task> <run>" to $CHAOS_ACKS.
set -eu
cli="$(dirname "$0")/../../dist/cli/kanban.js"
sleep 0.3
node "$cli" complete --task "$KANBAN_TASK" --run "$KANBAN_RUN_ID" --result "done by command pid $$" --summary chaos >/dev/null
echo "$KANBAN_TASK $KANBAN_RUN_ID" >>"$CHAOS_ACKS"
