"""Hostile: never finishes being imported."""
while True:
    pass
