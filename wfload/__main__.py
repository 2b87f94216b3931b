import sys

from wfload.cli import main

sys.exit(main())
