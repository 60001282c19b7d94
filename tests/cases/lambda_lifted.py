import time

def slow_len(s):
    time.sleep(0.01)
    return len(s)

words = ["ccc", "a", "bb"]
print(sorted(words, key=lambda w: slow_len(w)))
score = lambda w: slow_len(w) * 10
print(score("abcd"))
print(list(map(lambda w: slow_len(w) + 1, words)))
