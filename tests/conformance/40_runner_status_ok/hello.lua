local function main(name)
  print("hello from " .. name .. " (" .. process.id() .. ")")
end

return { main = main }
