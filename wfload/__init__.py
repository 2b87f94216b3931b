"""wfload: the command-line front end.

The only place that ties the two halves together: ``loadtests`` (which
generates load and writes a results directory) and ``analysis`` (which reads
one). Neither half imports the other.
"""

__version__ = "0.1.0"
