"""The domain in plain Python: triage rules and their evaluation, the conversation state machine,
the vocabulary of symptoms and intents, the words a person reads (content) and the settings.

It imports no Rasa, rasa_sdk, FastAPI, SQLAlchemy, TensorFlow or spaCy (pyproject's
import-linter contracts check it in ``make test``).
"""
