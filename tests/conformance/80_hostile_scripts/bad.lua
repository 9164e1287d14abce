local cases = {
  recursion = function() local function f(n) return f(n + 1) + 1 end return f(1) end,
  cstack = function() local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x end,
  errnil = function() error(nil) end,
  errtable = function() error({ code = 42 }) end,
  errobj = function() error(setmetatable({}, {__tostring = function() error("nested") end})) end,
  rep = function() return string.rep("x", 1e12) end,
  bomb = function() local t = {} while true do t[#t + 1] = {} end end,
  concat = function() local s = "x" while true do s = s .. s end end,
  gcloop = function() setmetatable({}, {__gc = function() while true do end end}) collectgarbage() return 1 end,
  tostr = function() print(setmetatable({}, {__tostring = function() error("boom in tostring") end})) end,
  badload = function() return load(string.dump(function() end)) end,
  pattern = function() return string.find(string.rep("a", 3000), string.rep("a?", 3000) .. string.rep("a", 3000)) end,
}
return { main = function(name) return cases[name]() end }
