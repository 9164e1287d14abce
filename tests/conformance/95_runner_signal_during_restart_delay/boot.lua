-- crashes at once; its restart waits an hour
error("crash at boot")
