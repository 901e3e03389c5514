"""``python -m dlstudio``: the same as the ``dlstudio`` command."""

import sys

from dlstudio.cli import main

if __name__ == "__main__":
    sys.exit(main())
