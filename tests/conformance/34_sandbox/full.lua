-- A process that lists every optional module: each comes from require.
local function main()
  local passed = {}
  local function check(cond, what)
    if not cond then error("FAILED full: " .. what, 0) end
    passed[#passed + 1] = "ok full: " .. what
  end
  local function fn(x) return type(x) == "function" end

  check(fn(require("time").sleep) and fn(require("time").now), "require('time')")
  check(fn(require("ctx").get) and fn(require("ctx").all), "require('ctx')")
  check(fn(require("security").new_actor) and fn(require("security").new_scope), "require('security')")
  check(fn(require("os").execute) and fn(require("os").getenv), "require('os') gives the full os")
  check(fn(require("io").write) and fn(require("io").open), "require('io')")
  check(fn(require("debug").traceback), "require('debug')")
  check(type(require("package")) == "table", "require('package')")
  check(require("time") == require("time"), "require returns the same module each time")
  return passed
end

return { main = main }
