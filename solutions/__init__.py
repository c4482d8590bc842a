"""Reference solutions of the MNIST assignment (P4.0 to P4.3).

This package is the single source of truth: `python -m autograder release` turns it into
the student stubs in `assignment/` by replacing every region between the solution markers
with a TODO. Never ship this folder to students.
"""
