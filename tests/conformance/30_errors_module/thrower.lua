-- Ends with an error object in one of three ways.
local function main(how)
  local e = errors.new({ message = "late " .. how, kind = errors.TIMEOUT })
  if how == "return" then return nil, e end
  if how == "raise" then error(e) end
  if how == "inside_value" then return { e = e } end -- a normal exit carrying an error
end

return { main = main }
