local function main()
  print("about to return an error")
  return nil, "conf43 returned error marker"
end

return { main = main }
