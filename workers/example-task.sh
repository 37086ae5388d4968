#!/bin/sh
# Example KANBAN_COMMAND: a task in any language reports through the kanban CLI. The
# worker sets KANBAN_BOARD, KANBAN_TASK, KANBAN_RUN_ID and KANBAN_REDIS_URL, and
# KANBAN_CHANNEL / KANBAN_CHANNEL_SECRET: inside a handler, `kanban complete | block |
# heartbeat | fail | review | context | comment | create` go through the worker that
# started it (no Redis connection of their own) and act on this task and run only; the
# task and run default to $KANBAN_TASK / $KANBAN_RUN_ID (docs/handler-protocol.md).
# Exit 0 after a terminal call; exit 75 when rate limited; anything else is a crash.
set -eu
kanban heartbeat --note "started on $(hostname)"
kanban complete --result "done on $(hostname)"
