-- 4MB. "grow": allocates 16MB; "deep": reports the depth of the message waiting.
return { main = function(mode)
  if mode == "grow" then
    local t = {}
    for i = 1, 16 do t[i] = string.rep("x", 1 << 20) .. i end
    return "grew to 16MB"
  end
  local v, d = process.inbox():receive():payload():data(), 0
  while type(v) == "table" do v, d = v.next, d + 1 end
  return d
end }
