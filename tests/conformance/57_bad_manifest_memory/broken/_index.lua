-- A manifest that eats memory: it gets a bounded heap and fails the load.
local s = "x"
for _ = 1, 40 do s = s .. s end
return { namespace = "app", entries = {} }
