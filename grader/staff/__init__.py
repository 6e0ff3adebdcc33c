"""Course staff: grading a whole class into a gradebook, and exports for Gradescope and CI."""
