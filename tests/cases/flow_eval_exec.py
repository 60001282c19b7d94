# flow: eval and exec of strings that call colored code
import time

def slow(x):
    time.sleep(0.001)
    return x + 100

print(eval("slow(1)"))
exec("print('exec', slow(2))")
scope = {"slow": slow}
exec("r = slow(3)", scope)
print(scope["r"])
