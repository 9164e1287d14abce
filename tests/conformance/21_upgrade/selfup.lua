-- Reloads itself with process.upgrade(nil, ...) until gen reaches 3. Each
-- generation first puts a plain value into its own inbox channel (the
-- script's own data, not a message: it stays behind) and then sends itself
-- a real message (kept across the upgrades, in order).
local function main(gen, first_pid)
  first_pid = first_pid or process.pid()
  local inbox = process.inbox()
  if gen < 3 then
    -- (shaped like an encoded message "kept" carrying "junk", the form in
    -- which with_message payloads travel: it must still not become one)
    inbox:send("\4kept\1\5\4junk")
    process.send(process.pid(), "kept", gen)
    process.upgrade(nil, gen + 1, first_pid)
  end
  local kept = {}
  for i = 1, 2 do
    local m = inbox:receive()
    kept[i] = type(m) == "table" and m:topic() == "kept" and m:payload():data() or tostring(m)
  end
  return { gen = gen, id = process.id(), same_pid = process.pid() == first_pid, kept = table.concat(kept, ",") }
end

return { main = main }
