package redisstore

import "github.com/redis/go-redis/v9"

// Every script gets KEYS[1] = the expiry sorted set and ARGV[1] = the key
// prefix "{prefix}:", and builds the other keys from the prefix: all keys
// share the prefix's hash tag, so they live in one slot of a cluster.
//
// A record's value is its encoding from package rec, whose fixed header the
// scripts read: byte 2 holds the flags (1 convergent, 2 expires), byte 3
// the value hash length, and the value hash follows.
const luaLib = `
local p = ARGV[1]
local xkey = KEYS[1]
local hexdigits = {}
for i = 0, 255 do hexdigits[string.char(i)] = string.format('%02x', i) end
local function hex(s)
  return (string.gsub(s, '.', hexdigits))
end
local function header(blob)
  local flags = string.byte(blob, 2)
  local vl = string.byte(blob, 3)
  return flags % 2 == 1, math.floor(flags / 2) % 2 == 1, string.sub(blob, 4, 3 + vl)
end
local function member(th, vh)
  return string.char(#th) .. th .. vh
end
-- remove deletes the record th and its index entries; 1 if it existed.
local function remove(th)
  local tkey = p .. 't:' .. hex(th)
  local blob = redis.call('GET', tkey)
  if not blob then return 0 end
  local conv, exp, vh = header(blob)
  redis.call('DEL', tkey)
  if #vh > 0 then
    redis.call('SREM', p .. 'v:' .. hex(vh), th)
    if conv then
      local ckey = p .. 'c:' .. hex(vh)
      if redis.call('GET', ckey) == th then redis.call('DEL', ckey) end
    end
  end
  if exp then redis.call('ZREM', xkey, member(th, vh)) end
  return 1
end
-- write stores a record known not to collide.
local function write(th, blob, score, pxat)
  local conv, exp, vh = header(blob)
  local tkey = p .. 't:' .. hex(th)
  if exp then
    redis.call('SET', tkey, blob, 'PXAT', pxat)
    redis.call('ZADD', xkey, score, member(th, vh))
  else
    redis.call('SET', tkey, blob)
  end
  if #vh > 0 then
    redis.call('SADD', p .. 'v:' .. hex(vh), th)
    if conv then
      local ckey = p .. 'c:' .. hex(vh)
      if exp then redis.call('SET', ckey, th, 'PXAT', pxat) else redis.call('SET', ckey, th) end
    end
  end
end
`

// putScript inserts records as if one by one, all or none: it checks every
// record first and writes only if none collides. ARGV from 2 holds four
// values per record: token hash, encoding, expiry score, expiry in Unix ms
// (the last two empty when the record does not expire). It returns {n} with
// the number of records written, or {-1, i} when record i (from 0) collides
// on its token hash, {-2, i} on its convergent value hash.
var putScript = redis.NewScript(luaLib + `
local n = (#ARGV - 1) / 4
local pending = {}
local pendingConv = {}
local todo = {}
for i = 1, n do
  local at = 2 + (i - 1) * 4
  local th, blob = ARGV[at], ARGV[at + 1]
  local old = pending[th]
  if old == nil then old = redis.call('GET', p .. 't:' .. hex(th)) end
  if old then
    if old ~= blob then return {-1, i - 1} end
  else
    local conv, exp, vh = header(blob)
    if conv then
      local c = pendingConv[vh]
      if c == nil then c = redis.call('GET', p .. 'c:' .. hex(vh)) end
      if c then return {-2, i - 1} end
      pendingConv[vh] = th
    end
    pending[th] = blob
    todo[#todo + 1] = at
  end
end
for _, at in ipairs(todo) do
  write(ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3])
end
return {#todo}
`)

// putConvergentScript: ARGV[2..5] as one record of putScript, ARGV[6] the
// record's CreatedAt score. It returns {1} when it inserted the record,
// {0, th, blob} with the live convergent record of the value, or {-1} when
// the token hash belongs to another record.
var putConvergentScript = redis.NewScript(luaLib + `
local th, blob, score, pxat, created = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local _, _, vh = header(blob)
local c = redis.call('GET', p .. 'c:' .. hex(vh))
if c then
  local cblob = redis.call('GET', p .. 't:' .. hex(c))
  if cblob then
    local _, cexp, _ = header(cblob)
    local cscore = nil
    if cexp then cscore = redis.call('ZSCORE', xkey, member(c, vh)) end
    if not cscore or tonumber(cscore) > created then return {0, c, cblob} end
  end
end
if redis.call('EXISTS', p .. 't:' .. hex(th)) == 1 and th ~= c then return {-1} end
if c then remove(c) end
write(th, blob, score, pxat)
return {1}
`)

// putConvergentBatchScript does putConvergentScript for each record, all
// or nothing: ARGV from 2 holds five values per record (those of
// putConvergentScript). It first checks every token hash, and returns
// {-1, i} (i from 0) without writing anything if that of record i belongs
// to a record other than its value's convergent one (or to another record
// of the batch). Otherwise it returns {0} followed by three values per
// record: 1 and two empty strings when it inserted the record, or 0, th,
// blob with the live convergent record of the value.
var putConvergentBatchScript = redis.NewScript(luaLib + `
local n = (#ARGV - 1) / 5
local seen = {}
for i = 1, n do
  local at = 2 + (i - 1) * 5
  local th, blob = ARGV[at], ARGV[at + 1]
  if seen[th] ~= nil then
    if seen[th] ~= blob then return {-1, i - 1} end
  else
    seen[th] = blob
    if redis.call('EXISTS', p .. 't:' .. hex(th)) == 1 then
      local _, _, vh = header(blob)
      if redis.call('GET', p .. 'c:' .. hex(vh)) ~= th then return {-1, i - 1} end
    end
  end
end
local out = {0}
for i = 1, n do
  local at = 2 + (i - 1) * 5
  local th, blob, score, pxat, created = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], tonumber(ARGV[at + 4])
  local _, _, vh = header(blob)
  local c = redis.call('GET', p .. 'c:' .. hex(vh))
  local live = false
  if c then
    local cblob = redis.call('GET', p .. 't:' .. hex(c))
    if cblob then
      local _, cexp, _ = header(cblob)
      local cscore = nil
      if cexp then cscore = redis.call('ZSCORE', xkey, member(c, vh)) end
      if not cscore or tonumber(cscore) > created then
        out[#out + 1] = 0
        out[#out + 1] = c
        out[#out + 1] = cblob
        live = true
      end
    end
  end
  if not live then
    if c then remove(c) end
    write(th, blob, score, pxat)
    out[#out + 1] = 1
    out[#out + 1] = ''
    out[#out + 1] = ''
  end
end
return out
`)

// getByValueBatchScript: ARGV from 2 the value hashes. Returns two values
// per hash: th and blob of its convergent record, or two empty strings.
var getByValueBatchScript = redis.NewScript(luaLib + `
local out = {}
for i = 2, #ARGV do
  local th, blob = '', ''
  local c = redis.call('GET', p .. 'c:' .. hex(ARGV[i]))
  if c then
    local b = redis.call('GET', p .. 't:' .. hex(c))
    if b then th, blob = c, b end
  end
  out[#out + 1] = th
  out[#out + 1] = blob
end
return out
`)

// getByValueScript: ARGV[2] value hash. Returns {th, blob} or {}.
var getByValueScript = redis.NewScript(luaLib + `
local c = redis.call('GET', p .. 'c:' .. hex(ARGV[2]))
if not c then return {} end
local blob = redis.call('GET', p .. 't:' .. hex(c))
if not blob then return {} end
return {c, blob}
`)

// deleteScript: ARGV[2] token hash. Returns 1 if it removed a record.
var deleteScript = redis.NewScript(luaLib + `
return remove(ARGV[2])
`)

// deleteByValueScript: ARGV[2] value hash. Returns the number of records
// removed.
var deleteByValueScript = redis.NewScript(luaLib + `
local vkey = p .. 'v:' .. hex(ARGV[2])
local n = 0
for _, th in ipairs(redis.call('SMEMBERS', vkey)) do n = n + remove(th) end
redis.call('DEL', vkey)
return n
`)

// deleteExpiredScript: ARGV[2] the score of now, ARGV[3] the limit. It
// removes up to limit records whose expiry score is at most now's, cleaning
// the index entries of those Redis already dropped by TTL, and returns how
// many it handled.
var deleteExpiredScript = redis.NewScript(luaLib + `
local ms = redis.call('ZRANGEBYSCORE', xkey, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(ms) do
  local tl = string.byte(m, 1)
  local th, vh = string.sub(m, 2, 1 + tl), string.sub(m, 2 + tl)
  if remove(th) == 0 and #vh > 0 then
    redis.call('SREM', p .. 'v:' .. hex(vh), th)
  end
  redis.call('ZREM', xkey, m)
end
return #ms
`)
