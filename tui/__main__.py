"""`python -m tui` is the same as the `cairn` command."""

import sys

from .cli import main

sys.exit(main())
