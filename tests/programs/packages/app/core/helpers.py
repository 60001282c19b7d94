import time

time.sleep(0.01)
print("app.core.helpers: loaded, __name__ =", __name__)
