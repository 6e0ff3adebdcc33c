"""Your exercises: one file each. Edit them, then run `grade exerciseN` (see README.md)."""
