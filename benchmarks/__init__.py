"""The performance suite: figures, not pass/fail tests.

Every benchmark measures its subject *and* a baseline in the same run and
prints the ratio, because these machines are shared and noisy: absolute
times drift from run to run, ratios measured side by side much less.
"""
