#!/bin/sh
# Example KANBAN_COMMAND: a task in any language reports through the kanban CLI. The
# worker sets KANBAN_BOARD, KANBAN_TASK, KANBAN_RUN_ID and KANBAN_REDIS_URL.
# Exit 0 after a terminal call; exit 75 when rate limited; anything else is a crash.
set -eu
kanban heartbeat --task "$KANBAN_TASK" --run "$KANBAN_RUN_ID" --note "started on $(hostname)"
kanban complete --task "$KANBAN_TASK" --run "$KANBAN_RUN_ID" --result "done on $(hostname)"
