"""Imported code sets, stored as the compact tables coding/ builds, shared by all practices."""
