#!/usr/bin/env python3
"""A kanban-queue worker over HTTP, in Python's standard library only (docs/http-api.md#worker-endpoints).

It long-polls `kanban serve` for a task of its lanes, heartbeats while it works (the server
does not renew the lease), and ends each run with complete, block or fail, always naming
the run id: a run taken away meanwhile (reclaimed, timed out) is refused with 409 and the
worker drops the task. SIGTERM/SIGINT: stop polling, give a task in hand back (release).

Environment:
  KANBAN_URL          the server, e.g. http://127.0.0.1:8080
  KANBAN_BOARD        the board (default "default")
  KANBAN_TOKEN        an operator token (or KANBAN_TOKEN_FILE: a file holding it)
  KANBAN_LANES        comma-separated lanes
  KANBAN_WORKER_NAME  recorded on runs as <token name>/<this> (optional)
  KANBAN_COMMAND      optional: a shell command run per task with the task's JSON on stdin;
                      exit 0 completes with its stdout as the result, exit 75 is
                      rate_limited, any other exit crashed. Without it, the demo handler
                      below acts on the task's metadata.
  KANBAN_MAX_TASKS    stop after this many tasks (default: run until signalled)

The demo handler reads task.metadata.http_worker = { "outcome": "complete" | "block" |
"fail", "sleepMs": n, "reason": "..." }: sleep (heartbeating), then end the run that way.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

URL = os.environ.get("KANBAN_URL", "http://127.0.0.1:8080").rstrip("/")
BOARD = os.environ.get("KANBAN_BOARD", "default")
LANES = [l.strip() for l in os.environ.get("KANBAN_LANES", "default").split(",") if l.strip()]
NAME = os.environ.get("KANBAN_WORKER_NAME")
COMMAND = os.environ.get("KANBAN_COMMAND")
MAX_TASKS = int(os.environ.get("KANBAN_MAX_TASKS", "0"))
TOKEN = os.environ.get("KANBAN_TOKEN")
if not TOKEN and os.environ.get("KANBAN_TOKEN_FILE"):
    with open(os.environ["KANBAN_TOKEN_FILE"], encoding="utf-8") as f:
        TOKEN = f.read().strip()
if not TOKEN:
    sys.exit("http-worker: set KANBAN_TOKEN or KANBAN_TOKEN_FILE")

BASE = f"{URL}/api/boards/{BOARD}"
stopping = threading.Event()


def log(msg, **fields):
    sys.stderr.write(json.dumps({"t": time.time(), "msg": msg, **fields}) + "\n")
    sys.stderr.flush()


class Refused(Exception):
    """The server refused the call (409): the run is not ours any more."""

    def __init__(self, status, body):
        super().__init__(f"{status}: {body.get('error', {}).get('code')}")
        self.status = status
        self.body = body


def call(method, path, body=None, timeout=40):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("authorization", f"Bearer {TOKEN}")
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            text = res.read().decode()
            return res.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        payload = json.loads(text) if text else {}
        if e.code == 409:
            raise Refused(e.code, payload) from None
        raise RuntimeError(f"{method} {path}: {e.code} {text}") from None


class Heartbeat(threading.Thread):
    """Extends the lease every third of it; stops (and marks the run lost) on a 409."""

    def __init__(self, task_id, run_id, ttl_ms):
        super().__init__(daemon=True)
        self.task_id, self.run_id = task_id, run_id
        self.every = max(0.2, ttl_ms / 3000.0)
        self.done = threading.Event()
        self.lost = threading.Event()

    def run(self):
        while not self.done.wait(self.every):
            try:
                call("POST", f"/worker/tasks/{self.task_id}/heartbeat", {"runId": self.run_id})
            except Refused:
                log("run lost", task=self.task_id, run=self.run_id)
                self.lost.set()
                return
            except Exception as e:  # a network hiccup: try again next period
                log("heartbeat failed", task=self.task_id, error=str(e))


def demo(task, hb):
    spec = (task.get("metadata") or {}).get("http_worker") or {}
    deadline = time.time() + spec.get("sleepMs", 0) / 1000.0
    while time.time() < deadline and not hb.lost.is_set() and not stopping.is_set():
        time.sleep(0.05)
    outcome = spec.get("outcome", "complete")
    if outcome == "block":
        return ("block", {"reason": spec.get("reason", "needs a person"), "kind": "needs_input"})
    if outcome == "fail":
        return ("fail", {"outcome": "crashed", "error": spec.get("reason", "demo failure")})
    return ("complete", {"result": f"done by {NAME or 'http-worker'}", "summary": f"completed {task['id']}"})


def run_command(task):
    p = subprocess.run(COMMAND, shell=True, input=json.dumps(task), capture_output=True, text=True)
    if p.returncode == 0:
        return ("complete", {"result": p.stdout[-60000:]})
    if p.returncode == 75:
        return ("fail", {"outcome": "rate_limited", "error": p.stderr[-4000:] or "rate limited"})
    return ("fail", {"outcome": "crashed", "error": p.stderr[-4000:] or f"exit {p.returncode}"})


def work(claimed):
    task, claim = claimed["task"], claimed["claim"]
    task_id, run_id = task["id"], claim["runId"]
    log("claimed", task=task_id, run=run_id)
    hb = Heartbeat(task_id, run_id, claimed["ttlMs"])
    hb.start()
    try:
        verb, body = run_command(task) if COMMAND else demo(task, hb)
        if stopping.is_set() and not hb.lost.is_set():
            call("POST", f"/worker/tasks/{task_id}/release", {"runId": run_id, "reason": "worker stopping"})
            log("released", task=task_id, run=run_id)
            return
        if hb.lost.is_set():
            return
        try:
            call("POST", f"/worker/tasks/{task_id}/{verb}", {"runId": run_id, **body})
            log(verb, task=task_id, run=run_id)
        except Refused as e:
            log("refused", task=task_id, run=run_id, code=e.body.get("error", {}).get("code"))
    finally:
        hb.done.set()


def main():
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    log("started", url=URL, board=BOARD, lanes=LANES)
    handled = 0
    while not stopping.is_set():
        body = {"lanes": LANES, "waitMs": 2000}
        if NAME:
            body["name"] = NAME
        try:
            status, claimed = call("POST", "/worker/claim", body)
        except Exception as e:
            log("claim failed", error=str(e))
            time.sleep(1)
            continue
        if status == 204 or not claimed:
            continue
        work(claimed)
        handled += 1
        if MAX_TASKS and handled >= MAX_TASKS:
            break
    log("stopped", handled=handled)


if __name__ == "__main__":
    main()
