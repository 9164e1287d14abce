-- Ends with an error object in one of four ways.
local function main(how)
  local e = errors.new({ message = "late " .. how, kind = errors.TIMEOUT })
  if how == "return" then return nil, e end
  if how == "raise" then error(e) end
  if how == "inside_value" then return { e = e } end -- a normal exit carrying an error
  if how == "nul" then error(errors.new({ message = "late\0after a NUL", kind = errors.TIMEOUT })) end
end

return { main = main }
