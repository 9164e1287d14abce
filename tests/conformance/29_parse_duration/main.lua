-- time.parse_duration (SPEC §5): every listed form -> milliseconds;
-- anything else -> nil, INVALID (never raises).
local time = require("time")

local function check(cond, what, detail)
  if not cond then
    error("FAILED " .. what .. (detail ~= nil and (": " .. tostring(detail)) or ""), 2)
  end
  print("ok " .. what)
end

local function close_to(a, b)
  return type(a) == "number" and math.abs(a - b) <= math.abs(b) * 1e-9
end

local GOOD = {
  { "10ns", 0.00001 },
  { "250us", 0.25 },
  { "5ms", 5 },
  { "1.5s", 1500 },
  { "2m", 120000 },
  { "1h30m", 5400000 },
  { 250, 250 },
  { 1.5, 1.5 },
  { 0, 0 },
}

local BAD = { "", "abc", "ms", "12parsecs", "5 ms!", true, {} }

-- how an input is named in the output: strings quoted, numbers as is
local function show(input)
  if type(input) == "string" then return string.format("%q", input) end
  if type(input) == "number" then return tostring(input) end
  return type(input)
end

local function main()
  for _, case in ipairs(GOOD) do
    local input, want = case[1], case[2]
    local got, err = time.parse_duration(input)
    check(close_to(got, want), "parse_duration(" .. show(input) .. ") = " .. want,
      tostring(got) .. " " .. tostring(err))
  end
  for _, input in ipairs(BAD) do
    local ok, got, err = pcall(time.parse_duration, input)
    check(ok and got == nil and errors.is(err, errors.INVALID), "parse_duration(" .. show(input) .. ") -> INVALID",
      tostring(got) .. " " .. tostring(err))
  end
end

return { main = main }
