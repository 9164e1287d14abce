-- Returns the first three messages it receives: topic, from, payload values.
local function main()
  local inbox = process.inbox()
  local got = {}
  for i = 1, 3 do
    local msg = inbox:receive()
    local values = {}
    local p = msg:payload()
    if p and p.data then
      values[1] = p:data()
    elseif p then
      for j, x in ipairs(p) do values[j] = x:data() end
    end
    got[i] = { topic = msg:topic(), from = msg:from(), values = values }
  end
  return got
end

return { main = main }
