print("pkg: init")
