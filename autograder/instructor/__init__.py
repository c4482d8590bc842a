"""The instructor's tools, never shipped to students or graders: release, validate,
bugs, bench, demo and grade-all."""
