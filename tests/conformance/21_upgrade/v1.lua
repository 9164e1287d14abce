-- First version: sets up state that must survive the upgrade (name,
-- monitor, link, queued messages) and state that must not (trap_links).
local function main(parent, watched, partner)
  assert(process.set_options({ trap_links = true }))
  assert(process.registry.register("conf21.upgraded"))
  assert(process.monitor(watched))
  assert(process.link(partner))
  local inbox = process.inbox()
  local go = process.listen("go")
  process.send(parent, "ready")
  -- The parent sends q1, q2, q3, then go. Take q1 only; q2 and q3 are then
  -- in the inbox channel, not yet received.
  local q1 = inbox:receive():payload():data()
  go:receive()
  process.upgrade("app:v2", {
    pid = process.pid(), parent = parent, watched = watched, partner = partner, q1 = q1,
  })
  error("process.upgrade returned")
end

return { main = main }
