"""d2l 1.0's class API (``Module``, ``DataModule``, ``Trainer`` ...) adapted onto d2lkit.

Named by :mod:`d2lkit.v1.torch`; see docs/compat.md ("The English edition").
"""
