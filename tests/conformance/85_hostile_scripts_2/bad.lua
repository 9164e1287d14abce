-- Second round of hostile bodies (each found crashing or hanging the host
-- once): every one must end only its own process, with a clear error.
local time = require("time")
local cases = {
  -- a process coroutine resumed / closed by the script (it is the scheduler's)
  resume_parked = function()
    local victim
    coroutine.spawn(function() victim = coroutine.running(); process.inbox():receive() end)
    time.sleep(0)
    local ok, err = coroutine.resume(victim, 2)
    error(err, 0)
  end,
  close_parked = function()
    local victim
    local a, b = channel.new(), channel.new()
    coroutine.spawn(function() victim = coroutine.running(); channel.select({ a:case_receive(), b:case_receive() }) end)
    time.sleep(0)
    coroutine.close(victim)
  end,
  -- select with the most cases allowed (3 stack slots each)
  select64 = function()
    local cases = { default = true }
    for i = 1, 64 do cases[i] = channel.new():case_receive() end
    error(channel.select(cases).default and "select64 default" or "select64 wrong", 0)
  end,
  -- tickers are opaque: nothing to overwrite
  ticker_fields = function() local tk = time.ticker(5); tk.ch = {} end,
  -- library metatables are protected: no __gc through them
  gc_via_error_meta = function() getmetatable(errors.new("x")).__gc = function() while true do end end end,
  gc_via_message_meta = function()
    process.send(process.pid(), "m", 1, 2)
    local m = process.inbox():receive()
    setmetatable(m, {})
  end,
  -- a loop in an xpcall message handler (hooks are off in a handler raised
  -- from a hook): terminate still ends it
  xpspin = function() xpcall(error, function() while true do end end) end,
  -- an error raised right at the memory limit is still reported
  error_at_limit = function()
    local keep, n = {}, 0
    local msg = string.rep("E", 300)
    for i = 1, 200000 do keep[i] = false end
    local function used() return collectgarbage("count") * 1024 end
    for _, sz in ipairs({ 1 << 20, 1 << 16, 1 << 12, 512, 64 }) do
      while used() + 2 * sz + 150 < 16 * 1024 * 1024 do n = n + 1; keep[n] = string.rep("a", sz) end
    end
    error("at the limit", 0)
  end,
}
return { main = function(name) return cases[name]() end }
