"""One module per metric; every function is pure (arrays in, numbers out)."""
