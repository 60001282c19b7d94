from .. import util
from ..util import shout
from . import helpers as _helpers_missing_ok  # noqa: F401  (app/core/helpers.py)

MAIN_BLOCK_RAN = False


def run():
    return shout("run") + " " + util.shout("go")


if __name__ == "__main__":
    MAIN_BLOCK_RAN = True
    print("engine: run as a script")
