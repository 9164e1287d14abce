-- Returns what it sees of its context; with depth > 0 it also spawns a
-- plain child (process.spawn_monitored, no spawner) and includes that
-- child's view, to check inheritance by descendants.
local ctx = require("ctx")

local function main(depth)
  local missing, err = ctx.get("no_such_key")
  local view = {
    all = ctx.all(),
    a = ctx.get("a"),
    b = ctx.get("b"),
    missing_is_nil = missing == nil,
    missing_not_found = errors.is(err, errors.NOT_FOUND),
  }
  if depth > 0 then
    local pid = assert(process.spawn_monitored("app:reader", "app:processes", depth - 1))
    local ev = process.events():receive()
    assert(ev.from == pid and ev.result.value, "grandchild failed")
    view.child = ev.result.value
  end
  return view
end

return { main = main }
