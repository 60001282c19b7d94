from time import sleep

def later(x):
    print("replacement", x)

sleep = later
sleep(7)
