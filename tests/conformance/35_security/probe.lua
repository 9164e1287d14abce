-- Small jobs run inside a restricted process tree.
local modes = {}

function modes.noop() return "noop done" end

-- Is spawning app:other allowed here? (checks inheritance of the scope)
function modes.try_other()
  local pid, err = process.spawn("app:other", "app:processes")
  return { spawned = pid ~= nil, denied = errors.is(err, errors.PERMISSION_DENIED) }
end

function modes.ctx() return (require("ctx").get("x")) end

local function main(mode) return modes[mode]() end

return { main = main }
