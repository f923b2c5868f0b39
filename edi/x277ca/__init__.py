"""277CA claim acknowledgments (005010X214): models and reader."""
