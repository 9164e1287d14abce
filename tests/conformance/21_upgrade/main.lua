-- process.upgrade (SPEC §2.9): keeps pid, links, monitors (both ways),
-- names and unreceived messages; resets state, channels and options;
-- process.id() becomes the new id; upgrade(nil, ...) reloads the own
-- definition; new code that fails to load ends the process abnormally.
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

local function main()
  local me = process.pid()
  local H = "app:processes"
  local events = process.events()

  local watched = assert(process.spawn("app:watched", H))
  local partner = assert(process.spawn("app:partner", H))
  local pid = assert(process.spawn_monitored("app:v1", H, me, watched, partner))
  check(recv(process.inbox(), "ready"):topic() == "ready", "v1 is ready")
  for _, q in ipairs({ "q1", "q2", "q3" }) do process.send(pid, "queue", q) end
  process.send(pid, "go")

  local ev = recv(events, "EXIT of the upgraded process")
  check(ev.from == pid, "our monitor of the upgraded process is kept")
  if ev.result.error then error("FAILED upgraded process: " .. tostring(ev.result.error)) end
  for _, line in ipairs(ev.result.value) do print(line) end
  local gone = process.registry.lookup("conf21.upgraded")
  check(gone == nil, "its name is released when it ends")

  pid = assert(process.spawn_monitored("app:selfup", H, 1))
  ev = recv(events, "EXIT of selfup")
  local r = ev.result.value
  check(r and r.gen == 3 and r.id == "app:selfup" and r.same_pid and ev.from == pid,
    "upgrade(nil, ...) reloads the own definition, keeping the pid")
  check(r and r.kept == "1,2", "messages are kept across upgrades; values the script put in its inbox are not",
    r and r.kept)

  pid = assert(process.spawn_monitored("app:to_broken", H))
  ev = recv(events, "EXIT of to_broken")
  local e = ev.result.error
  check(ev.from == pid and e ~= nil and string.find(tostring(e), "broken-load-failure", 1, true),
    "new code that fails to load ends the process with that error", e or ev.result.value)
end

return { main = main }
