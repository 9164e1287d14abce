-- Sends back what main(...) received, then mutates its own copy of the
-- table argument (which must not affect the parent).
local function main(parent, tag, t, i, f, s, b)
  process.send(parent, "args", {
    tag = tag, t = t, i = i, f = f, s = s, b = b,
    i_type = math.type(i), f_type = math.type(f),
  })
  t.n = "changed by child"
end

return { main = main }
