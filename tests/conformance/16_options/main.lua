-- get_options / set_options (SPEC §2.6).
local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

-- true when set_options(opts) returned nil + INVALID without raising
local function rejected(opts)
  local ok, res, err = pcall(process.set_options, opts)
  return ok and res == nil and errors.is(err, errors.INVALID)
end

local function main()
  local o = process.get_options()
  check(type(o) == "table" and o.trap_links == false, "get_options() -> {trap_links = false}")
  check(process.set_options({ trap_links = true }) == true, "set_options -> true")
  check(process.get_options().trap_links == true, "get_options reflects set_options")
  check(rejected({ trap_links = "yes" }), "wrong type -> INVALID")
  check(rejected({ trap_links = 1 }), "number instead of boolean -> INVALID")
  check(rejected({ no_such_option = true }), "unknown key -> INVALID")
  check(process.set_options({ trap_links = false }) == true
    and process.get_options().trap_links == false, "set back to false")
end

return { main = main }
