-- Valid syntax, but loading it fails (the chunk raises).
error("broken-load-failure", 0)
