"""The release builder: stubs, handout, Gradescope zip, nbgrader course, notebook, workflow."""
