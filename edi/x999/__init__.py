"""999 implementation acknowledgments (005010X231A1): models and reader."""
