"""The recipes, one module per chapter (or course): settings and the book's figures, no torch."""
