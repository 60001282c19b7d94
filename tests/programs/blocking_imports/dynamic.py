from time import sleep

sleep(0.01)
NAME = "dynamic"
print("dynamic: loaded")
