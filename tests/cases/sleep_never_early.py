# flow: time.sleep never returns early, as the program measures it with time.monotonic, for delays near the loop's timer resolution
import time

early = []
for i in range(60):
    secs = (0.0005, 0.001, 0.002, 0.0021, 0.003, 0.0105)[i % 6] + i * 1e-5
    start = time.monotonic()
    time.sleep(secs)
    if time.monotonic() - start < secs:
        early.append(secs)
print("woke early:", early)
