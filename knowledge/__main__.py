"""``python -m knowledge check|stats [--json]``."""

import sys

from knowledge.cli import main

sys.exit(main())
