"""``python -m analysis report DIR``: the same as ``wfload report DIR``."""

import sys

from analysis.cli import main

sys.exit(main())
