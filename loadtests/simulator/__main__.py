import sys

from loadtests.simulator.cli import main

sys.exit(main(sys.argv[1:]))
