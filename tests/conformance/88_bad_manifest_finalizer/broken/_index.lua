-- A finalizer in a manifest would run with hooks off when its state closes:
-- setmetatable refuses __gc there too.
setmetatable({}, { __gc = function() while true do end end })
return { namespace = "other", entries = {} }
