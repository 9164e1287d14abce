-- Ends in the way named by `mode` (SPEC §3).
local modes = {}

function modes.value() return 42 end
function modes.table_value() return { a = { 1, 2 } } end
function modes.nothing() return end
function modes.value_nil() return "a", nil end
function modes.value_number() return 1, 2 end
function modes.err_string() return nil, "soft failure" end
function modes.err_object() return nil, errors.new({ message = "nf", kind = errors.NOT_FOUND }) end
function modes.value_and_err() return 5, "oops" end
function modes.raise_string() error("raised-text") end
function modes.raise_plain() error("plain", 0) end
function modes.raise_object() error(errors.new({ message = "typed", kind = errors.TIMEOUT })) end

function modes.raise_in_coroutine()
  coroutine.spawn(function() error("coroutine-failure", 0) end)
  channel.new():receive() -- blocks forever; the coroutine's error ends us
end

function modes.main_returns_first()
  coroutine.spawn(function() channel.new():receive() end) -- blocked forever
  return "main done"
end

local function main(mode)
  return modes[mode]()
end

return { main = main }
