"""The clinician side in plain Python: accounts, sessions, audit, annotations, the conversation
summaries read from Rasa's tracker store, retention and the NLU export. No FastAPI here.
"""
