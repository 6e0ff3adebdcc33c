"""Trusted implementations the grader compares submissions with.

Small and obvious, vectorised with NumPy; each is checked against PyTorch and the lecture's
worked examples in tests/reference/. Names and signatures are the exercises' own.
"""
