"""The graded tests: one module per part (test_<part>.py); points live in grading.toml."""
