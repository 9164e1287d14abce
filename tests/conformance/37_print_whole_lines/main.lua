-- Four processes print concurrently (SPEC §10: one whole line per call).
local function main()
  for _, tag in ipairs({ "A", "B", "C", "D" }) do
    assert(process.spawn("app:printer", "app:processes", tag))
  end
end

return { main = main }
