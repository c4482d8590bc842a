"""The engine: runs the graded tests under pytest and returns a Grade (numbers, no printing)."""
