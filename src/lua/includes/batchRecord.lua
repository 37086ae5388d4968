-- batchRecord: a createTasks batch key's record (docs/api.md#batch-keys), so a retried batch
-- returns the ids it got the first time and writes nothing. batchRecordKey(batchKey) is a hash:
--   digest: the digest of the batch's content (src/create.ts#batchDigest)
--   at: when it was written;  chunks: how many ids:<n> fields it has
--   ids:<n>: the ref -> id map of one write call, as JSON (one chunk for one call; a large
--   createTasks adds one per write part, all inside its MULTI / EXEC)
-- It expires batchKeyTtlMs (default 24 h) after its last write: a board keeps the records of
-- the last day's batches, whatever happens to their tasks.
--   replayBatch(batchKey, digest) -> nil: no record (create the batch); the ref -> id map:
--     the same content again; false, recorded digest: another content under that key
--   recordBatch(batchKey, digest, ids): a write call's ref -> id map joins the record
--   dropBatchRecords(count): deleteBoard's: up to count records go, with their entries in K.batchKeys
local BATCH_KEY_TTL_MS = 86400000
local BATCH_KEYS_PRUNE = 20

local function replayBatch(batchKey, digest)
  local record = batchRecordKey(batchKey)
  local h = redis.call('HMGET', record, 'digest', 'chunks')
  if not h[1] then return nil end
  if h[1] ~= digest then return false, h[1] end
  local ids, fields = {}, {}
  for i = 1, tonumber(h[2]) or 0 do fields[i] = 'ids:' .. i end
  if #fields > 0 then
    for _, text in ipairs(redis.call('HMGET', record, unpack(fields))) do
      if text then
        for ref, id in pairs(cjson.decode(text)) do ids[ref] = id end
      end
    end
  end
  return ids
end

local function recordBatch(batchKey, digest, ids)
  local record = batchRecordKey(batchKey)
  local n = redis.call('HINCRBY', record, 'chunks', 1)
  redis.call('HSET', record, 'digest', digest, 'at', NOWS, 'ids:' .. n, cjson.encode(ids))
  local ttl = setting('batchKeyTtlMs', BATCH_KEY_TTL_MS)
  redis.call('PEXPIRE', record, ttl)
  -- the live records by expiry (deleteBoard deletes them with the board); each write drops up
  -- to BATCH_KEYS_PRUNE entries whose record has expired, so the set follows the records
  redis.call('ZADD', K.batchKeys, int(NOW + ttl), batchKey)
  local gone = redis.call('ZRANGE', K.batchKeys, '-inf', NOWS, 'BYSCORE', 'LIMIT', 0, BATCH_KEYS_PRUNE)
  if #gone > 0 then redis.call('ZREM', K.batchKeys, unpack(gone)) end
end

-- dropBatchRecords(count) -> how many: deletes up to `count` live batch records (deleteBoard)
local function dropBatchRecords(count)
  if count <= 0 then return 0 end
  local keys = redis.call('ZRANGE', K.batchKeys, 0, count - 1)
  for _, k in ipairs(keys) do redis.call('DEL', batchRecordKey(k)) end
  if #keys > 0 then redis.call('ZREM', K.batchKeys, unpack(keys)) end
  return #keys
end
