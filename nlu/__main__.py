"""``python -m nlu train [--force]`` and ``python -m nlu eval [--json] [--folds K]``."""

import sys

from nlu.cli import main

sys.exit(main())
