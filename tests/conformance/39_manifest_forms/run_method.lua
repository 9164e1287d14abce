-- `method = "run"` selects this function, not main.
return {
  main = function() return "wrong method" end,
  run = function(x) return "run got " .. x end,
}
