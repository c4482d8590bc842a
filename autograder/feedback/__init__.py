"""Feedback: renders a Grade as a terminal report, results.json and a page with figures."""
