from time import sleep


def shout(word):
    sleep(0.01)
    return word.upper() + "!"
