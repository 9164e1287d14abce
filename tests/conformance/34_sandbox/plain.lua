-- A process without `modules`: returns the list of checks that passed and
-- fails on the first one that does not.
local function main()
  local passed = {}
  local function check(cond, what)
    if not cond then error("FAILED plain: " .. what, 0) end
    passed[#passed + 1] = "ok plain: " .. what
  end
  local function fn(x) return type(x) == "function" end
  local function cannot_require(name)
    local ok, mod = pcall(require, name)
    return not ok or mod == nil
  end

  check(fn(string.format) and fn(table.concat) and fn(math.floor) and fn(utf8.char)
    and fn(coroutine.create), "string, table, math, utf8, coroutine are there")
  check(fn(pcall) and fn(select) and fn(setmetatable) and fn(tostring) and fn(load),
    "base functions are there")
  local every = true
  for _, name in ipairs({ "assert", "collectgarbage", "error", "getmetatable", "ipairs", "load", "next", "pairs",
      "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "require", "select", "setmetatable", "tonumber",
      "tostring", "type", "warn", "xpcall" }) do
    every = every and fn(_G[name])
  end
  check(every and _G._G == _G and _VERSION == "Lua 5.4", "every base function, _G and _VERSION are there")
  check(not pcall(setmetatable, {}, { __gc = print }) and not load(string.dump(main)),
    "setmetatable refuses __gc, load refuses binary chunks")
  check(load("return 1 + 1")() == 2, "load of text chunks works")
  check(fn(os.time) and fn(os.clock) and fn(os.date) and fn(os.difftime),
    "os.time, os.clock, os.date, os.difftime are there")
  check(os.execute == nil and os.exit == nil and os.getenv == nil and os.remove == nil
    and os.rename == nil and os.tmpname == nil, "the rest of os is absent")
  check(io == nil and debug == nil and package == nil, "io, debug, package are absent")
  check(dofile == nil and loadfile == nil, "dofile and loadfile are absent")
  check(process ~= nil and channel ~= nil and errors ~= nil, "process, channel, errors are there")
  check(rawget(_G, "time") == nil and rawget(_G, "ctx") == nil and rawget(_G, "security") == nil,
    "time, ctx, security are not globals")
  check(cannot_require("time") and cannot_require("ctx") and cannot_require("security"),
    "require of time / ctx / security fails when not listed")
  check(cannot_require("io") and cannot_require("debug") and cannot_require("package"),
    "require of io / debug / package fails when not listed")
  return passed
end

return { main = main }
