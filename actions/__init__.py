"""Thin rasa_sdk actions: they translate between Rasa and the domain logic in ``bot/``."""
