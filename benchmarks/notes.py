"""Hand-written analysis rendered into docs/performance.md (figures filled in)."""

NOTES = """## Reading the results

The analysis is written once the final full run has been profiled.
"""
