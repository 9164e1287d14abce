-- A shared library: loaded into each importing process's own state.
local M = { state = {} }

-- Set each time this chunk runs; main bumps it to detect a second load.
M.loads = 1

function M.double(x) return 2 * x end

return M
