"""Textual CSS themes, installed as `wallboard.themes`."""
