-- select fairness (SPEC §4): when several cases are ready one is chosen
-- uniformly at random, so none starves. With 1000 selects over always-ready
-- cases each is expected ~500 (or ~333) times; the bounds are very loose.
local ROUNDS = 1000

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

-- Runs ROUNDS selects over `chans` (each kept non-empty), plus default if
-- asked; returns the count per channel index and the default count.
local function run(chans, with_default)
  local counts, defaults = {}, 0
  for i, ch in ipairs(chans) do
    ch:send(i)
    counts[i] = 0
  end
  for _ = 1, ROUNDS do
    local cases = {}
    for i, ch in ipairs(chans) do cases[i] = ch:case_receive() end
    cases.default = with_default or nil
    local r = channel.select(cases)
    if r.default then
      defaults = defaults + 1
    else
      counts[r.value] = counts[r.value] + 1
      chans[r.value]:send(r.value) -- refill: every case stays ready
    end
  end
  return counts, defaults
end

local function main()
  local c = run({ channel.new(1), channel.new(1) })
  check(c[1] >= 100 and c[2] >= 100, "two ready receive cases: each chosen >= 100 of 1000",
    c[1] .. "/" .. c[2])

  c = run({ channel.new(1), channel.new(1), channel.new(1) })
  check(c[1] >= 100 and c[2] >= 100 and c[3] >= 100, "three ready cases: each chosen >= 100 of 1000",
    c[1] .. "/" .. c[2] .. "/" .. c[3])

  local d
  c, d = run({ channel.new(1), channel.new(1) }, true)
  check(d == 0 and c[1] >= 100 and c[2] >= 100, "default is never chosen while a case is ready")

  -- Mixed send / receive cases that are both always ready.
  local src, dst = channel.new(1), channel.new(1000)
  src:send("x")
  local got_recv, got_send = 0, 0
  for _ = 1, ROUNDS do
    local r = channel.select({ src:case_receive(), dst:case_send("y") })
    if r.channel == src then
      got_recv = got_recv + 1
      src:send("x")
    else
      got_send = got_send + 1
      dst:receive()
    end
  end
  check(got_recv >= 100 and got_send >= 100, "a ready send case and a ready receive case share fairly",
    got_recv .. "/" .. got_send)
end

return { main = main }
