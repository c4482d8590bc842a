"""P4.0 warm-up: its graded tests."""
