# flow: atexit handlers that block (registered with arguments, as a decorator, one unregistered) run at exit, last registered first, and are waited for
import atexit, time


def bye(tag, punctuation="."):
    time.sleep(0.01)
    print("bye", tag + punctuation, flush=True)


def never():
    time.sleep(0)
    print("unregistered handler ran")


atexit.register(bye, "one")
atexit.register(bye, "two", punctuation="!")
atexit.register(never)
atexit.unregister(never)


@atexit.register
def later():
    time.sleep(0.01)
    print("later", flush=True)


print("end of the program")
