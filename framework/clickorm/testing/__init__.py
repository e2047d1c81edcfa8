"""Testing support: the dialect conformance suites and the opt-in pytest plugin."""
