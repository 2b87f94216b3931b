"""Results → metrics → plots → reports.

``load_results(path)`` reads a results directory (docs/results-format.md);
``analyse`` computes every figure from the raw records; ``write_report``
writes report.html, summary.md and summary.json into the directory. This
package never imports ``loadtests`` (or Locust): the results directory is the
only interface between the halves.
"""

from analysis.load import Results, ResultsError, load_results

__all__ = ["Results", "ResultsError", "load_results"]
