"""Getting every recorded event to every subscriber at least once: the building blocks.

- ``envelope``: the CloudEvents JSON body that webhooks and the broker both carry.
- ``signing``: Standard Webhooks v1 signatures (HMAC-SHA256), for senders and receivers.
- ``outcome``: what one delivery attempt came to, as data.
- ``retry``: the pure policy that turns an outcome into "try again at …" or "stop".
- ``circuit``: per-endpoint circuit breakers, so a dead endpoint is probed rather than hammered.
- ``webhook``: the hardened HTTP sender; it returns an outcome and never raises for a receiver's misbehaviour.
- ``broker``: the NATS JetStream publisher, with duplicate suppression by event id.

Nothing here touches the database or sleeps: the outbox relay composes these and owns the schedule.
"""
