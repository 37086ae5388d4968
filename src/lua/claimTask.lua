--[[ claimTask: ready | review -> running      (ready -> todo when a parent is unsatisfied)
  A compare-and-set: of any number of concurrent claimers exactly one sees `ready`.
  KEYS[1] settings            ARGV[1] key prefix
  ARGV[2] { id, claimer, ttlMs? (default: setting claimTtlMs), queueToken? (a BullMQ job's:
            refused unless it is the task's current token, so a superseded job cannot claim) }
  Returns { ok = true, runId, leaseExpiresAt, ttlMs } | { ok = false, status, reason? } | { err }
  Events:  claimed (with the new run id); claim_rejected when a parent is unsatisfied;
           a dangling open run is closed `reclaimed` first.
]]
--@include claim

return reply(claimOne(A.id, A.claimer, A.ttlMs, A.queueToken))
