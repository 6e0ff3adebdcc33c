"""The instructor's verbs: `grade notebooks`, `grade selftest`, `grade release`.

One module per verb, each a keyword-only library function; grader/instructor/commands.py holds
the thin click commands that call them.
"""
