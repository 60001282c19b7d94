# flow: getattr(self, name)(...) dispatch to colored methods
import time

class Shell:
    def do_greet(self, arg):
        time.sleep(0.001)
        return "hello " + arg

    def do_bye(self, arg):
        return "bye " + arg

    def dispatch(self, line):
        cmd, arg = line.split(" ", 1)
        return getattr(self, "do_" + cmd)(arg)

s = Shell()
print(s.dispatch("greet world"), s.dispatch("bye now"))
