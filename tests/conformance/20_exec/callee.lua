-- The definition run by process.exec; `op` picks the behaviour.
local ops = {}

function ops.square(x) return x * x end
function ops.echo(t) return t end
function ops.raise() error("exec-failure-text", 0) end
function ops.soft() return nil, "soft exec failure" end
function ops.typed() return nil, errors.new({ message = "too late", kind = errors.TIMEOUT }) end

-- Hand-shake with the caller's other coroutine: only possible if exec
-- blocks just the calling coroutine, not the whole caller process.
function ops.handshake(caller)
  process.send(caller, "ready", process.pid())
  local msg = process.inbox():receive()
  return "handshake " .. msg:topic()
end

local function main(op, ...)
  return ops[op](...)
end

return { main = main }
