--[[ traceRuns: running -> running   (no status change: a run is annotated with its trace)
  A worker's process spans (docs/tracing.md) whose context the claim could not carry (a
  child's span under `producer: 'parent'`, a run handed over by a completion): each run
  gets the W3C trace context of the span that processes it — the run's trace id, and what a child task's process span links
  to once this run is its parent's final run. Written only while the run is the task's
  open one, so a late call never touches a closed or foreign run. Per run it also reads the
  named parents' final runs (the last run of a done or archived parent) and their trace
  contexts: a child's links to its DAG edges, in the same round trip.
  Bounded: at most the worker's claim batch of runs, and the parents the worker names per
  run (it names at most 32: src/tracing.ts).
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { runs = [ { id, runId, tp, tst?, parents? = [id] } ] }
  Returns { results = [ { ok, parents = [ { taskId, runId, tp, tst? } ] } ] } (in order)
  Events:  none
]]
--@include traces

local results = {}
for i, r in ipairs(A.runs) do
  local ok = redis.call('HGET', taskKey(r.id), 'currentRunId') == r.runId
  if ok then
    if given(r.tst) and r.tst ~= '' then
      redis.call('HSET', runKey(r.runId), 'tp', r.tp, 'tst', r.tst)
    else
      redis.call('HSET', runKey(r.runId), 'tp', r.tp)
    end
  end
  results[i] = { ok = ok, parents = finalRunTraces(r.parents or {}) }
end
return reply({ results = results })
