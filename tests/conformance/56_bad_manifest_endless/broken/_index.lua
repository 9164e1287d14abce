-- A manifest that never returns: the runner refuses it instead of hanging.
while true do end
