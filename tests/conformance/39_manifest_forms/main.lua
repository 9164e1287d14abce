-- Manifest forms (SPEC §10): every _index.lua under the app folder is
-- loaded; ids are namespace:name; default method is main; a file may return
-- the function itself; lifecycle.args are passed to the method.
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function main(n, s, t)
  check(n == 7 and s == "seven" and t.k == "v", "lifecycle.args are passed to the method")
  local H = "app:processes"
  check(process.exec("app:fn_file", H, "x") == "fn_file got x", "a file returning a function, no method given")
  check(process.exec("app:run_method", H, "y") == "run got y", "method = 'run' is called")
  check(process.exec("app.sub:worker", H) == "sub worker app.sub:worker", "definition from sub/_index.lua")
  check(process.exec("app.sub.deeper:w2", H) == "deeper w2 app.sub.deeper:w2",
    "definition from sub/deeper/_index.lua")
end

return { main = main }
