-- A process file may return the function itself instead of a table.
return function(x) return "fn_file got " .. x end
