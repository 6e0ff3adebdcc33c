"""Complete solutions, the single source of the exercises (stubs and notebooks are generated)."""
