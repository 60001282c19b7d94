from time import sleep


def restock(item):
    sleep(0.01)
    return f"{item} restocked"
