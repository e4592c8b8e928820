"""litmap: concepts, topics and citations of Chinese-language academic literature."""
__version__ = "0.1.0"
