"""formcheck: running-form analysis from side-view video.

Importing the package does nothing beyond defining names: no files are
written, no logging is configured, nothing is downloaded.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
