"""AT/DT: Learning Across Tasks and Domains."""
__version__ = "0.1.0"
