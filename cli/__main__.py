"""`python -m cli`, the same as the `ipcredit` console script."""

import sys

from cli import main

sys.exit(main())
