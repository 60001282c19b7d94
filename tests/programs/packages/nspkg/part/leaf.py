import time
from . import sibling


def describe():
    time.sleep(0.01)
    return f"leaf in {__package__}, sibling says {sibling.WORD}"
