-- A manifest raising a non-string error object: a clear message, status 2.
error(setmetatable({}, { __tostring = function() error("nested") end }))
