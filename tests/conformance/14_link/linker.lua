-- Links itself to `target`, then fails: the link works in both directions,
-- so target (trap_links = false) must die too.
local function main(target)
  assert(process.link(target))
  error("linker failed", 0)
end

return { main = main }
