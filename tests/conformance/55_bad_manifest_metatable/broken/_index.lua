-- A manifest is read as plain data: reading its fields never runs its code.
-- (Before: a raising __index ran unprotected and aborted the runner.)
return setmetatable({}, {
  __index = function() error("gotcha") end,
  __len = function() error("gotcha") end,
  __pairs = function() error("gotcha") end,
})
