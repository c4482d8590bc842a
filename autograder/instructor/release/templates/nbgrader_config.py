# nbgrader's settings for this course folder (release/nbgrader/), written by
# `python -m autograder release`. The notebook's test cells call the autograder: install it
# (`pip install -e` of the course's repository) where nbgrader autogrades.
c = get_config()  # noqa: F821 - nbgrader provides get_config

c.CourseDirectory.course_id = "mnist"
# Each part's test cell grades the part with the autograder, MNIST training included.
c.ExecutePreprocessor.timeout = 900
# nbgrader replaces each region with this; the TODO comments above it stay.
c.ClearSolutions.code_stub = {"python": "raise NotImplementedError"}
