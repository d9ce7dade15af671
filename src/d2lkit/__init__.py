"""d2lkit: Dive into Deep Learning as a tested, fast PyTorch toolkit."""

__version__ = "0.1.0"

__all__ = ["__version__"]
