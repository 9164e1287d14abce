return { main = function(n) return n end }
