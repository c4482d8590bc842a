"""P4.2 linear SVM: its graded tests (test_*.py) and their shared helpers."""
