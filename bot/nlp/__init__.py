"""The project's own spaCy pipeline: symptom lexicon (lexicon.yml) and its builder (pipeline.py).

Build it with ``python -m bot.nlp.pipeline build/spacy_pipeline``; see pipeline.py for the API.
"""
