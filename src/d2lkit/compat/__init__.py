"""The book's API (``d2l.X``) mapped onto d2lkit: see ``d2lkit.torch`` and ``d2lkit.d2lzh``."""
