# stdin: first line
# stdin: second line
# stdin: third
# stdin: fourth
import sys
print(repr(sys.stdin.readline()))
count = 0
for line in sys.stdin:
    count += 1
    print("got", repr(line))
    if count == 2:
        break
print(repr(sys.stdin.read()))
print(repr(sys.stdin.readline()))
