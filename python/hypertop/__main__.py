"""`python -m hypertop ARGS` runs the installed `hypertop ARGS`."""
import os
import sys

from hypertop import find_hypertop_bin


def main() -> None:
    binary = find_hypertop_bin()
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
