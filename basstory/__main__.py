"""`python -m basstory ...`: the command line (basstory.cli)."""
import sys

from basstory.cli import main

sys.exit(main())
