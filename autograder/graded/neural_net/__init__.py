"""P4.3 two-layer network: its graded tests (test_*.py) and their shared helpers."""
