"""The graded tests: one folder per part, graded/<part>/test_*.py (one file per group of
functions, run in grading.toml's order), with the part's own helpers beside them; the
helpers every part uses sit here. Points live in grading.toml, where a test's key is
``<part>.<name without test_>``.

Test data (literal arrays, strategy bounds) belongs in test files or in modules named
*_test.py: Hypothesis mixes the literals of every other local module into the inputs it
draws, so moving such data into, say, problems.py would change every graded test's inputs.
"""
