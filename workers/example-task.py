#!/usr/bin/env python3
"""Example KANBAN_COMMAND in Python, standard library only.

The handler speaks the worker's channel protocol (docs/handler-protocol.md) itself: no
CLI process and no Redis client per call. The worker sets KANBAN_TASK, KANBAN_RUN_ID,
KANBAN_BOARD, KANBAN_CHANNEL (a Unix socket) and KANBAN_CHANNEL_SECRET. Every request acts
on this task and run only. Exit 0 after a terminal call (complete, block, review, fail);
exit 75 when rate limited (neutral: the task cools down); anything else is a crash.

    KANBAN_COMMAND="python3 workers/example-task.py"
"""
import json
import os
import socket
import sys

EXIT_RATE_LIMITED = 75


class ChannelError(Exception):
    """A refused request: `code` is the library's error code, `kind` its error class."""

    def __init__(self, code, kind, message):
        super().__init__(message)
        self.code = code
        self.kind = kind  # "ValidationError" = bad input; anything else = refused


class Channel:
    """One connection to the worker: one JSON request per line, one JSON reply per line."""

    def __init__(self):
        self.secret = os.environ["KANBAN_CHANNEL_SECRET"]
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(os.environ["KANBAN_CHANNEL"])
        self.replies = self.sock.makefile("r", encoding="utf-8", newline="\n")

    def call(self, op, **fields):
        request = dict(fields, op=op, secret=self.secret)
        self.sock.sendall((json.dumps(request) + "\n").encode("utf-8"))
        line = self.replies.readline()
        if not line:
            raise ChannelError("CHANNEL_FAILED", "Error", "the worker closed the channel")
        reply = json.loads(line)
        if not reply["ok"]:
            e = reply["error"]
            raise ChannelError(e["code"], e["name"], e["message"])
        return reply["result"]

    def close(self):
        self.replies.close()
        self.sock.close()


def main():
    channel = Channel()
    context = channel.call("context")  # the task, its parents' results, prior attempts, comments
    task = context["task"]
    channel.call("heartbeat", note="started in python, pid %d" % os.getpid())
    inputs = [p["result"] for p in context["parents"] if p.get("result")]
    channel.call("comment", body="read %d parent result(s)" % len(inputs))

    result = "done by python: %s" % task["title"]  # the work goes here

    if not channel.call("complete", result=result, summary="ok"):
        # false: the run is no longer open (reclaimed, timed out); nothing more to report
        print("run %s of %s is no longer open" % (os.environ["KANBAN_RUN_ID"], task["id"]), file=sys.stderr)
    channel.close()


if __name__ == "__main__":
    try:
        main()
    except ChannelError as e:
        print("kanban channel: %s: %s" % (e.code, e), file=sys.stderr)
        sys.exit(1)
