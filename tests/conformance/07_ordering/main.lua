-- Ordering (SPEC §2.3): messages from one sender arrive in send order, and
-- everything a process sent before it ended is delivered before its EXIT /
-- LINK_DOWN. So once the EXIT is received, all messages must already be
-- ready in the inbox (a select with default must see them).
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function recv(ch, what)
  local timer = time.after(3000)
  local r = channel.select({ ch:case_receive(), timer:case_receive() })
  if r.channel == timer then error("FAILED timed out waiting for " .. what, 2) end
  return r.value
end

-- Everything ready on ch right now, without blocking.
local function drain(ch)
  local out = {}
  while true do
    local r = channel.select({ ch:case_receive(), default = true })
    if r.default then return out end
    out[#out + 1] = r.value
  end
end

-- Checks per-sender order: returns counts by tag, or nil + reason.
local function per_tag_order(msgs)
  local last = {}
  for _, m in ipairs(msgs) do
    local p = m:payload()
    local tag, i = p[1]:data(), p[2]:data()
    if i ~= (last[tag] or 0) + 1 then
      return nil, "tag " .. tag .. ": got " .. i .. " after " .. tostring(last[tag])
    end
    last[tag] = i
  end
  return last
end

local function main()
  local me = process.pid()
  local inbox, events = process.inbox(), process.events()
  local H = "app:processes"

  -- One sender, 1000 messages, then normal exit.
  local a = process.spawn_monitored("app:burst", H, me, "a", 1000)
  local ev = recv(events, "EXIT of a")
  check(ev.kind == process.event.EXIT and ev.from == a, "EXIT of the sender")
  local counts, why = per_tag_order(drain(inbox))
  check(counts and counts.a == 1000, "all 1000 messages delivered in order before EXIT", why)

  -- Two concurrent senders: each one's messages stay in order.
  local b = process.spawn_monitored("app:burst", H, me, "b", 500)
  local c = process.spawn_monitored("app:burst", H, me, "c", 500)
  local ended = {}
  for _ = 1, 2 do ended[recv(events, "EXIT of b / c").from] = true end
  check(ended[b] and ended[c], "both senders ended")
  counts, why = per_tag_order(drain(inbox))
  check(counts and counts.b == 500 and counts.c == 500, "per-sender order with two senders", why)

  -- A linked sender that fails: messages come before its LINK_DOWN.
  process.set_options({ trap_links = true })
  local d = process.spawn_linked("app:burst", H, me, "d", 300, true)
  ev = recv(events, "LINK_DOWN of d")
  check(ev.kind == process.event.LINK_DOWN and ev.from == d, "LINK_DOWN of the failed sender")
  counts, why = per_tag_order(drain(inbox))
  check(counts and counts.d == 300, "all messages delivered before LINK_DOWN", why)
end

return { main = main }
