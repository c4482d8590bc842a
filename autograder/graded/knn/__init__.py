"""P4.1 k-nearest neighbours: its graded tests (test_*.py) and their shared helpers."""
