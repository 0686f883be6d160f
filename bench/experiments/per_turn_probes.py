"""Experiment: the gateway's former health probes of the action server around every turn.

Until 2026-11-25 ``api.rasa_client.RasaClient.send`` asked the action server's ``/health``
before and after each turn, to turn a half-done turn into the safe 503. Rasa now reports a
failed custom action itself (``components.rasa_patches.record_failed_custom_actions``) and the
gateway probes in the background. This puts the two probes back on the turn's path, so
``bench.compare --target gateway --experiment per_turn_probes`` shows what removing them
bought (the variant is the old behaviour).
"""

from sitecustomize import when_imported


def _patch(module):
    send = module.RasaClient.send

    async def send_between_probes(self, session_id, message):
        if not await self.actions_ready():
            raise module.RasaUnavailable("action server not ready (turn not sent)")
        turn = await send(self, session_id, message)
        if not await self.actions_ready():
            raise module.RasaUnavailable("action server went down during the turn")
        return turn

    module.RasaClient.send = send_between_probes


when_imported("api.rasa_client", _patch)
