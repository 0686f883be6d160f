"""Rasa extensions: everything Rasa loads or is patched with.

Custom NLU components (config.yml names them by dotted path), the tracker store
(endpoints.yml), the REST channel (credentials.yml), the spaCy pipeline builder, the negation
mask, the MiniLM encoder, the patches applied to Rasa 3.6 and the entry point that applies them
(``python -m components.rasa_entry``). These adapt project code from ``bot`` to Rasa; the
dotted paths are kept stable because a trained model records them.
"""
