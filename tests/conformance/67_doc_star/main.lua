-- Tutorial "Star Topology": ten children link to a parent that then fails.
-- Children with trap_links return "parent_died"; children without it die
-- with "linked process failed".
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

-- Runs one star; returns the parent's result and the children's results.
local function run_star(trap)
  local events = process.events()
  local parent = assert(process.spawn_monitored("app.workers:star_parent", "app:processes",
    process.pid(), trap))
  local msg = process.inbox():receive()
  local children = msg:payload():data()
  for _, pid in ipairs(children) do assert(process.monitor(pid)) end
  process.send(parent, "go")

  local results = {}
  for _ = 1, #children + 1 do
    local ev = events:receive()
    results[ev.from] = ev.result
  end
  local kids = {}
  for i, pid in ipairs(children) do kids[i] = results[pid] end
  return results[parent], kids
end

local function all(list, pred)
  for _, x in ipairs(list) do if not pred(x) then return false end end
  return true
end

local function main()
  local parent, kids = run_star(true)
  check(parent and parent.error and string.find(tostring(parent.error), "PARENT_STAR_FAILURE", 1, true),
    "the parent failed with PARENT_STAR_FAILURE")
  check(#kids == 10 and all(kids, function(r) return r.value == "parent_died" end),
    "all 10 children (trap_links) got LINK_DOWN and returned parent_died")

  parent, kids = run_star(false)
  check(parent and parent.error ~= nil, "second star: the parent failed")
  check(#kids == 10 and all(kids, function(r)
    return r.error ~= nil and r.error:message() == "linked process failed"
  end), "all 10 children without trap_links died with 'linked process failed'")
end

return { main = main }
