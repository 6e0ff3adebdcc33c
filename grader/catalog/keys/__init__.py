"""The answer keys: per exercise, what answers it (reference bindings, the known mistakes' answers,
the hidden checks). Course only: `grade release` records what the kit needs into banks and ships
none of this package (grader.bank, grader.instructor.banks)."""
