"""Custom Rasa NLU components: thin adapters that register project code with Rasa's recipe."""
