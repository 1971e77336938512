""" "My cases" (a worker's open cases and their next deadlines) and case search."""
