-- Scripts are untrusted: each hostile body ends only its own process, with
-- a clear error, and nothing reaches the host. The pathological pattern is
-- one Lua's matcher refuses ("pattern too complex").
return { main = function()
  local ev = process.events()
  local names = { "recursion", "cstack", "errnil", "errtable", "errobj", "rep", "bomb", "concat", "gcloop",
                  "tostr", "badload", "pattern" }
  for _, n in ipairs(names) do
    process.spawn_monitored("h:bad", "h:h", n)
    local r = ev:receive().result
    local msg = r.error and tostring(r.error) or "no error"
    print(n, r.error and r.error:kind(), (msg:gsub("^[^:]*:%d+: ", "")))
  end
end }
