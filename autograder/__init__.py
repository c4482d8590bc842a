"""The grading engine of the MNIST assignment; run it as `python -m autograder`."""
