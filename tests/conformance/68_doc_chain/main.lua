-- Tutorial "Chain Topology": root -> 4 -> 3 -> 2 -> 1 -> 0, all linked;
-- the root fails and the failure cascades down the whole chain, even though
-- every node is blocked in a 5 s sleep.
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main()
  local events = process.events()
  local root = assert(process.spawn_monitored("app.workers:chain_root", "app:processes", process.pid()))

  local depth_of = {}
  for _ = 1, 5 do
    local msg = process.inbox():receive()
    assert(msg:topic() == "node_up")
    depth_of[msg:from()] = msg:payload():data()
    assert(process.monitor(msg:from()))
  end
  check(true, "the chain of 5 nodes is built")
  process.send(root, "go")

  local died = {}
  for _ = 1, 6 do
    local ev = events:receive()
    if ev.from == root then
      check(ev.result.error and string.find(tostring(ev.result.error), "CHAIN_ROOT_FAILURE", 1, true),
        "the root failed with CHAIN_ROOT_FAILURE")
    else
      local e = ev.result.error
      if e and e:message() == "linked process failed" then died[depth_of[ev.from]] = true end
    end
  end
  check(died[4] and died[3] and died[2] and died[1] and died[0],
    "every node died with 'linked process failed' (cascade)")
end

return { main = main }
