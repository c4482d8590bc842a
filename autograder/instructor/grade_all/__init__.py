"""grade-all: a whole class, each student in its own grade process; gradebook and summary."""
