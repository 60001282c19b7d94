def sleep(x):
    print("my own sleep", x)

sleep(5)

class time:
    @staticmethod
    def sleep(x):
        print("class time.sleep", x)

time.sleep(3)
