"""cnn-grader: exercises and an autograder for the CNN chapter of the course.

Kept import-light on purpose: `grade --help` must not import NumPy, hypothesis or torch.
"""

__version__ = "0.1.0"
