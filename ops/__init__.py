"""Operations tooling: the `bot` command, the process supervisor, training, evaluation, validation.

Nothing here runs inside a conversation; it builds, starts, checks and measures the processes
that do (Rasa, the action server and the gateway).
"""
