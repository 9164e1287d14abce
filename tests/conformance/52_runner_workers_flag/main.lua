local function main()
  print("square of 9 is " .. process.exec("app:square", "app:processes", 9))
end

return { main = main }
